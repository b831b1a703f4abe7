"""Serene's URLs plus a stand-in for the video room (`video:room`), to test the Join link's wiring."""
from django.http import HttpResponse
from django.urls import include, path

from serene.urls import urlpatterns as serene_urlpatterns

room_patterns = ([path("sessions/<str:public_id>/room/", lambda request, public_id: HttpResponse("room"), name="room")],
                 "video")
urlpatterns = [path("", include(room_patterns)), *serene_urlpatterns]
