from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("booking/<str:public_id>/calendar.ics", views.calendar_file, name="calendar"),
    path("notifications/", views.notice_page, name="list"),
    path("notifications/<int:notice_id>/open", views.notice_open, name="open"),
    path("notifications/read-all", views.notices_read_all, name="read_all"),
]
