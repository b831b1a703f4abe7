"""Mounted under /expert/."""
from django.urls import path

from . import actions, availability, views

app_name = "desk"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("sessions/", views.sessions, name="sessions"),
    # The expert's answers (GET confirms, POST acts).
    path("sessions/<str:public_id>/accept", actions.accept, name="accept"),
    path("sessions/<str:public_id>/reject", actions.reject, name="reject"),
    path("sessions/<str:public_id>/cancel", actions.cancel, name="cancel"),
    path("sessions/<str:public_id>/no-show", actions.no_show, name="no_show"),
    path("availability/", availability.editor, name="availability"),
    path("availability/preview/", availability.preview, name="availability_preview"),
    path("availability/days-off-sessions/", availability.days_off_sessions, name="availability_days_off_sessions"),
]
