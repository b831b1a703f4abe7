from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("operations/", views.operations, name="operations"),
]
