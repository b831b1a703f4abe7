from django.urls import path

from . import views

app_name = "experts"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("experts/<slug:slug>/", views.profile, name="profile"),
    path("experts/<slug:slug>/reviews/", views.reviews, name="reviews"),
    path("experts/<slug:slug>/avatar.svg", views.avatar, name="avatar"),
]
