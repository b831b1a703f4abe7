"""The video app's one subscription to bookings: a call ends when its booking's recorded move takes it
out of the joinable states (serene/video/room_end.py says what the room hears).

Today a booking's move is recorded as a BookingEvent, so this listens to that row's post_save, as
notifications does. When booking_move sends its own domain event, this receiver is the one place
to change."""
from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from serene.bookings.models import BookingEvent

from .room_end import room_end_when_booking_leaves_joinable


@receiver(post_save, sender=BookingEvent, dispatch_uid="video_room_ends_with_its_booking")
def _booking_moved(sender, instance: BookingEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    room_end_when_booking_leaves_joinable(booking_id=instance.booking_id, from_status=instance.from_status,
                                          to_status=instance.to_status)
