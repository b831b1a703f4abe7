from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("booking/success", views.success, name="success"),
    path("booking/failed", views.failed, name="failed"),
    path("booking/<str:public_id>/calendar.ics", views.calendar_file, name="calendar"),
    path("booking/<str:public_id>/receipt.pdf", views.receipt, name="receipt"),
    path("dashboard/", views.my_sessions, name="dashboard"),
]
