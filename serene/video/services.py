"""Writes of the video room: the visits log. A booking's room id is the booking's own field, made
by bookings (booking_video_room_ensure); the room asks for it through booking_room_id."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from serene.bookings.models import Booking
from serene.bookings.services import booking_video_room_ensure
from serene.bookings.locks import lock_booking

from .models import RoomVisit


def booking_room_id(*, booking: Booking) -> str:
    """The booking's unguessable room id; bookings makes it the first time anyone needs it (racing
    requests all get the one stored)."""
    return booking_video_room_ensure(booking=booking)


@transaction.atomic
def room_visit_start(*, booking_id: int, user_id: int, role: str, at: datetime | None = None) -> int:
    return RoomVisit.objects.create(booking_id=booking_id, user_id=user_id, role=role,
                                    joined_at=at or timezone.now()).pk


@transaction.atomic
def room_visit_end(*, visit_id: int, at: datetime | None = None) -> None:
    RoomVisit.objects.filter(pk=visit_id, left_at__isnull=True).update(left_at=at or timezone.now())


# Opening a call held elsewhere again within this long (a double click, a reload) is the same visit.
OPENED_AGAIN = timedelta(minutes=1)


@transaction.atomic
def room_visit_opened(*, booking_id: int, user_id: int, role: str, at: datetime | None = None) -> int:
    """A visit to the booking's call held elsewhere (Jitsi): Serene sees the person open it, never
    leave it, so left_at stays blank. Under the booking's lock, so two opens at once make one visit."""
    at = at or timezone.now()
    lock_booking(booking_id=booking_id)
    recent = (RoomVisit.objects.filter(booking_id=booking_id, user_id=user_id, left_at__isnull=True,
                                       joined_at__gte=at - OPENED_AGAIN)
              .values_list("pk", flat=True).first())
    if recent is not None:
        return recent
    return RoomVisit.objects.create(booking_id=booking_id, user_id=user_id, role=role, joined_at=at).pk
