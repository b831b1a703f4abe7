from django.urls import path

from . import views

app_name = "experts"

urlpatterns = [
    path("experts/<slug:slug>/avatar.svg", views.avatar, name="avatar"),
]
