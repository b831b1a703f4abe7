"""Writes of the video room: a booking's room id (made once, on first need) and the visits log."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from serene.bookings.models import Booking
from serene.core.locking import lock_booking

from .models import RoomVisit


def booking_room_id(*, booking: Booking) -> str:
    """The booking's unguessable room id, made the first time anyone needs it.

    Two requests racing here both get the same id: the conditional update lets only the first write,
    and everyone reads back what is stored."""
    if booking.video_room:
        return booking.video_room
    Booking.objects.filter(pk=booking.pk, video_room="").update(video_room=secrets.token_urlsafe(24))
    booking.video_room = Booking.objects.values_list("video_room", flat=True).get(pk=booking.pk)
    return booking.video_room


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
