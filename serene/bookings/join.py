"""When a booking's session can be joined: one rule for the dashboards' button and the video room."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import Booking, BookingStatus

# A session marked completed by the sweep stays joinable until the grace period ends.
JOINABLE_STATUSES = frozenset({BookingStatus.CONFIRMED, BookingStatus.COMPLETED})


@dataclass(frozen=True)
class JoinWindow:
    opens_at: datetime
    closes_at: datetime

    def state(self, now: datetime | None = None) -> str:
        """'early' before the room opens, 'open' inside the window, 'closed' after it."""
        now = now or timezone.now()
        if now < self.opens_at:
            return "early"
        if now >= self.closes_at:
            return "closed"
        return "open"


def join_window(booking: Booking) -> JoinWindow:
    return JoinWindow(
        opens_at=booking.starts_at - timedelta(minutes=settings.SESSION_JOIN_OPENS_MINUTES),
        closes_at=booking.ends_at + timedelta(minutes=settings.SESSION_JOIN_GRACE_MINUTES),
    )


def booking_joinable(booking: Booking, now: datetime | None = None) -> bool:
    """True when the booking is confirmed (or just completed) and now lies inside its join window."""
    return booking.status in JOINABLE_STATUSES and join_window(booking).state(now) == "open"


def session_join_path(booking: Booking) -> str:
    """The one place that knows where a session's video room lives (the video app's room page)."""
    from django.urls import reverse

    return reverse("video:room", kwargs={"public_id": str(booking.public_id)})
