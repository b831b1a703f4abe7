from django.urls import path

from . import views

app_name = "video"

urlpatterns = [
    path("sessions/<str:public_id>/room/", views.room, name="room"),
]
