from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("booking/success", views.success, name="success"),
    path("booking/failed", views.failed, name="failed"),
    path("sessions/<str:public_id>/", views.session, name="session"),
    path("booking/<str:public_id>/receipt.pdf", views.receipt, name="receipt"),
]
