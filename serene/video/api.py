"""The room's fields in the sessions API (roomId, joinUrl): null until the session is confirmed."""
from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from serene.bookings.join import JOINABLE_STATUSES
from serene.bookings.models import Booking

from .services import booking_room_id


def session_room_json(request: HttpRequest, booking: Booking) -> dict:
    if booking.status not in JOINABLE_STATUSES:
        return {"roomId": None, "joinUrl": None}
    return {"roomId": booking_room_id(booking=booking),
            "joinUrl": request.build_absolute_uri(reverse("video:room", args=[booking.public_id]))}
