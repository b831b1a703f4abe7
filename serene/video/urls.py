from django.urls import path

from . import views

app_name = "video"

urlpatterns = [
    path("sessions/<str:public_id>/room/", views.room, name="room"),
    path("sessions/<str:public_id>/room/jitsi/", views.room_jitsi, name="room_jitsi"),
]
