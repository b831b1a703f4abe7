from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone


def next_weekday(*, zone: str = "Asia/Kolkata", days_ahead: int = 7) -> date:
    """A Monday–Friday date at least days_ahead days from today in the zone."""
    day = timezone.now().astimezone(ZoneInfo(zone)).date() + timedelta(days=days_ahead)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0, zone: str = "Asia/Kolkata") -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


def booked_paid(expert, customer, starts):
    """A paid booking made through the real services (hold, then confirmation under the lock order),
    so its emails and notices are written as in life."""
    from django.db import transaction

    from serene.bookings.locks import lock_booking
    from serene.bookings.models import Booking
    from serene.bookings.services import booking_clear_way_to_confirm, booking_confirm_paid, booking_hold

    held = booking_hold(customer=customer, expert=expert, starts_at=starts, duration_minutes=60)
    with transaction.atomic():
        locked = lock_booking(booking_id=held.pk)
        assert booking_confirm_paid(locked=locked, now=booking_clear_way_to_confirm(locked=locked))
    return Booking.objects.get(pk=held.pk)
