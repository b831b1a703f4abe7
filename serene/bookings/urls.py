from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("dashboard/", views.my_sessions, name="dashboard"),
]
