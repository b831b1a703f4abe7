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
