from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("booking/<str:public_id>/calendar.ics", views.calendar_file, name="calendar"),
]
