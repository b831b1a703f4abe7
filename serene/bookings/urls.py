from django.urls import path

from . import expert_views, views

app_name = "bookings"

urlpatterns = [
    path("dashboard/", views.my_sessions, name="dashboard"),
    path("dashboard/sessions/", views.customer_session_list, name="customer_sessions"),
    path("sessions/<str:public_id>/reschedule", views.reschedule, name="reschedule"),
    path("sessions/<str:public_id>/review", views.review, name="review"),
    path("expert/dashboard/", expert_views.expert_dashboard, name="expert_dashboard"),
    path("expert/sessions/", expert_views.expert_sessions, name="expert_sessions"),
]
