"""The cancellation policy, worded from its one setting (CANCELLATION_WINDOW_HOURS) for every page,
email and receipt, and what it means for one booking."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import Booking


def cancellation_window() -> timedelta:
    return timedelta(hours=settings.CANCELLATION_WINDOW_HOURS)


def cancellation_policy_text() -> str:
    """The policy in one sentence, e.g. "Free cancellation up to 24 hours before the session." """
    hours = settings.CANCELLATION_WINDOW_HOURS
    return f"Free cancellation up to {hours} hour{'' if hours == 1 else 's'} before the session."


def free_cancellation_until(booking: Booking) -> datetime:
    """The last moment at which the customer's cancel is refunded in full."""
    return booking.starts_at - cancellation_window()


def free_cancellation_open(booking: Booking, now: datetime | None = None) -> bool:
    """True while a cancel by the customer would still be refunded in full (so a page may promise it)."""
    return (now or timezone.now()) <= free_cancellation_until(booking)


def late_booking_policy_text() -> str:
    """Said instead of the policy for a session that starts inside the cancellation window."""
    hours = settings.CANCELLATION_WINDOW_HOURS
    return (f"This session starts within {hours} hour{'' if hours == 1 else 's'}, so cancelling it would not be "
            "refunded.")


def cancellation_policy_for(booking: Booking, now: datetime | None = None) -> str:
    """The policy as it applies to this booking: the free-cancellation sentence only while it holds."""
    return cancellation_policy_text() if free_cancellation_open(booking, now) else late_booking_policy_text()
