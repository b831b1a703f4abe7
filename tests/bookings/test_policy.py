"""The cancellation policy is worded from CANCELLATION_WINDOW_HOURS alone, and says when free cancellation ends."""
from datetime import datetime, timedelta, timezone as dt_timezone

from serene.bookings.models import Booking
from serene.bookings.policy import cancellation_policy_text, free_cancellation_open, free_cancellation_until

START = datetime(2026, 12, 10, 10, 0, tzinfo=dt_timezone.utc)


def test_policy_text_follows_the_setting(settings):
    settings.CANCELLATION_WINDOW_HOURS = 48
    assert cancellation_policy_text() .startswith("Free cancellation up to 48 hours before the session")


def test_free_cancellation_ends_exactly_at_the_window(settings):
    settings.CANCELLATION_WINDOW_HOURS = 24
    booking = Booking(starts_at=START, ends_at=START + timedelta(minutes=50))
    edge = START - timedelta(hours=24)
    assert free_cancellation_until(booking) == edge
    assert free_cancellation_open(booking, edge - timedelta(minutes=1))
    assert free_cancellation_open(booking, edge)
    assert not free_cancellation_open(booking, edge + timedelta(minutes=1))
