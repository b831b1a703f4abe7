from django.urls import path

from . import views

app_name = "availability"

urlpatterns = [
    path("", views.editor, name="editor"),
    path("preview/", views.preview, name="preview"),
]
