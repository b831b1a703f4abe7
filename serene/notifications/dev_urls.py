"""/dev/mail/ (debug only; see dev_views)."""
from django.urls import path

from . import dev_views

app_name = "devmail"

urlpatterns = [
    path("", dev_views.message_list, name="list"),
    path("<str:message_id>/", dev_views.message_detail, name="detail"),
    path("<str:message_id>/html", dev_views.message_html, name="html"),
    path("<str:message_id>/raw", dev_views.message_raw, name="raw"),
    path("<str:message_id>/attachments/<int:index>", dev_views.message_attachment, name="attachment"),
]
