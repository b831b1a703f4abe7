from django.urls import path

from . import views

app_name = "marketplace"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("experts/<slug:slug>/", views.profile, name="profile"),
    path("experts/<slug:slug>/reviews/", views.reviews, name="reviews"),
    path("booking/failed", views.failed, name="failed"),
]
