"""Websocket routes: the room's signalling, and a refusal for any other path."""
from channels.generic.websocket import WebsocketConsumer
from django.urls import path, re_path

from .consumers import RoomConsumer


class NoSuchSocket(WebsocketConsumer):
    def connect(self):
        self.close(code=4404)


websocket_urlpatterns = [
    path("ws/sessions/<str:public_id>/room/", RoomConsumer.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),
]
