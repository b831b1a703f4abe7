"""The join window: opens SESSION_JOIN_OPENS_MINUTES before the start, closes the grace period after the end."""
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest

from serene.bookings.join import booking_joinable, join_window
from serene.bookings.models import Booking, BookingStatus

START = datetime(2026, 12, 10, 10, 0, tzinfo=dt_timezone.utc)


def _booking(status=BookingStatus.CONFIRMED):
    return Booking(starts_at=START, ends_at=START + timedelta(minutes=50), status=status)


@pytest.mark.parametrize(("offset_minutes", "state"), [
    (-11, "early"), (-10, "open"), (0, "open"), (59, "open"), (60, "closed"), (120, "closed"),
])
def test_window_edges(settings, offset_minutes, state):
    settings.SESSION_JOIN_OPENS_MINUTES = 10
    settings.SESSION_JOIN_GRACE_MINUTES = 10
    assert join_window(_booking()).state(START + timedelta(minutes=offset_minutes)) == state


@pytest.mark.parametrize(("status", "joinable"), [
    (BookingStatus.CONFIRMED, True), (BookingStatus.COMPLETED, True), (BookingStatus.AWAITING_APPROVAL, False),
    (BookingStatus.CANCELLED, False), (BookingStatus.PENDING, False),
])
def test_only_confirmed_sessions_are_joinable(status, joinable):
    assert booking_joinable(_booking(status), START) is joinable
