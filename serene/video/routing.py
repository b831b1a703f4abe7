"""Websocket routes: the room's signalling, and a refusal for any other path."""
from channels.generic.websocket import WebsocketConsumer
from django.urls import path, re_path

from .consumers import RoomConsumer


class NoSuchSocket(WebsocketConsumer):
    def connect(self):
        self.close(code=4404)


# django-stubs types path() and re_path() for views only; Channels routes ASGI applications with them
# (django-stubs PR 3354 proposed the overload). Hence the ignores here and at URLRouter in asgi.py.
websocket_urlpatterns = [
    path("ws/sessions/<str:public_id>/room/", RoomConsumer.as_asgi()),  # type: ignore[arg-type]  # see above
    re_path(r"", NoSuchSocket.as_asgi()),  # type: ignore[arg-type]  # see above
]
