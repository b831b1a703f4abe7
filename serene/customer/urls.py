from django.urls import path

from . import move_pages, session_page, views

app_name = "customer"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/sessions/", views.session_list, name="sessions"),
    path("dashboard/payments/", views.payment_history, name="history"),
    path("booking/success", session_page.success, name="success"),
    path("booking/<str:public_id>/receipt.pdf", session_page.receipt, name="receipt"),
    path("sessions/<str:public_id>/", session_page.session, name="session"),
    path("sessions/<str:public_id>/cancel", move_pages.cancel, name="cancel"),
    path("sessions/<str:public_id>/reschedule", move_pages.reschedule, name="reschedule"),
    path("sessions/<str:public_id>/review", move_pages.review, name="review"),
]
