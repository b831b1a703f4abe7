"""What pages may say about messages: which reminders a booking will get."""
from __future__ import annotations

from serene.bookings.models import Booking, BookingStatus

from .reminders import day_before_planned, time_fixed_at


def day_before_reminder_planned(*, booking: Booking) -> bool:
    """Whether this confirmed booking gets a reminder the day before (it was fixed early enough)."""
    if booking.status != BookingStatus.CONFIRMED:
        return False
    fixed_at = time_fixed_at(booking_id=booking.pk)
    return fixed_at is not None and day_before_planned(booking, fixed_at=fixed_at)
