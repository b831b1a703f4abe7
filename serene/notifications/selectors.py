"""What pages may say about messages: which reminders a booking will get, and which emails failed."""
from __future__ import annotations

from django.db.models import QuerySet

from serene.bookings.models import Booking, BookingStatus

from .models import Message, MessageStatus
from .reminders import DAY_BEFORE, SOON, day_before_planned, reminder_plan, time_fixed_at


def day_before_reminder_planned(*, booking: Booking) -> bool:
    """Whether this confirmed booking gets a reminder the day before (it was fixed early enough)."""
    if booking.status != BookingStatus.CONFIRMED:
        return False
    fixed_at = time_fixed_at(booking_id=booking.pk)
    return fixed_at is not None and day_before_planned(booking, fixed_at=fixed_at)


def reminders_planned(*, booking: Booking) -> dict[str, bool]:
    """Which reminders this confirmed booking gets, so a page promises only those:
    {"day_before": …, "soon": …} (a booking fixed within the hour before gets neither)."""
    kinds: set[str] = set()
    if booking.status == BookingStatus.CONFIRMED:
        fixed_at = time_fixed_at(booking_id=booking.pk)
        if fixed_at is not None:
            kinds = {kind for kind, _ in reminder_plan(starts_at=booking.starts_at, fixed_at=fixed_at)}
    return {"day_before": DAY_BEFORE in kinds, "soon": SOON in kinds}


def messages_in_trouble() -> QuerySet[Message]:
    """Emails that failed to send or could not be written, for staff (latest first)."""
    return (Message.objects.filter(status__in=[MessageStatus.FAILED, MessageStatus.RENDER_FAILED])
            .order_by("-created_at"))
