"""Writes the messages a booking event calls for (filled in below)."""
from __future__ import annotations

from serene.bookings.models import BookingEvent


def messages_for_booking_event(*, event: BookingEvent) -> None:
    return None
