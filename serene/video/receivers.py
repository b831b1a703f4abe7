"""The video app's one subscription to bookings (connected in apps.py): a call ends when a move of
its booking (serene/bookings/signals.py: booking_moved) takes it out of the joinable states;
room_end.py says what the room hears, once the move has committed."""
from __future__ import annotations

from serene.bookings.signals import BookingChange

from .room_end import room_end_when_booking_leaves_joinable


def booking_moved_end_call(sender, *, change: BookingChange, **kwargs) -> None:
    if change.history:  # a move written down after the fact (demo data): no call is going on
        return
    room_end_when_booking_leaves_joinable(booking_id=change.booking.pk, from_status=change.from_status,
                                          to_status=change.to_status)
