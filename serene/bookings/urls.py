from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("booking/<str:public_id>/calendar.ics", views.calendar_file, name="calendar"),
    path("dashboard/", views.my_sessions, name="dashboard"),
]
