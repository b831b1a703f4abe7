from django.urls import path

from . import customer_pages, expert_actions, views

app_name = "payments"

urlpatterns = [
    path("booking/success", views.success, name="success"),
    path("booking/failed", views.failed, name="failed"),
    path("sessions/<str:public_id>/", views.session, name="session"),
    path("sessions/<str:public_id>/cancel", customer_pages.cancel, name="customer_cancel"),
    path("dashboard/payments/", customer_pages.history, name="history"),
    path("booking/<str:public_id>/receipt.pdf", views.receipt, name="receipt"),
    # The expert's answers (GET confirms, POST acts).
    path("expert/sessions/<str:public_id>/accept", expert_actions.accept, name="expert_accept"),
    path("expert/sessions/<str:public_id>/reject", expert_actions.reject, name="expert_reject"),
    path("expert/sessions/<str:public_id>/cancel", expert_actions.cancel, name="expert_cancel"),
    path("expert/sessions/<str:public_id>/no-show", expert_actions.no_show, name="expert_no_show"),
]
