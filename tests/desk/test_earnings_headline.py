"""The earnings headline counts what has been earned (sessions that took place) apart from what is
still to come this month, and an amount never wraps away from its minus sign."""
from datetime import datetime, timedelta, timezone

import pytest

from serene.bookings.earnings import month_split_for_expert
from serene.bookings.models import Booking, BookingStatus
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 5, 12, 9, 0, tzinfo=timezone.utc)


def _session(expert, *, starts_in, status, price=1125000):
    starts = NOW + starts_in
    return Booking.objects.create(customer=UserFactory(), expert=expert, starts_at=starts,
                                  ends_at=starts + timedelta(hours=1), blocked_until=starts + timedelta(hours=1),
                                  duration_minutes=60, price_minor=price, status=status,
                                  customer_time_zone="Asia/Kolkata")


def test_earned_and_upcoming_are_shown_apart(client, time_machine):
    time_machine.move_to(NOW, tick=False)
    expert = ExpertFactory(user__name="Dr. Meera Rao", time_zone="Asia/Kolkata")
    _session(expert, starts_in=-timedelta(days=5), status=BookingStatus.COMPLETED)
    _session(expert, starts_in=timedelta(days=6), status=BookingStatus.CONFIRMED, price=300000)
    _session(expert, starts_in=timedelta(days=7), status=BookingStatus.CONFIRMED, price=300000)
    _session(expert, starts_in=timedelta(days=30), status=BookingStatus.CONFIRMED)  # next month: neither

    split = month_split_for_expert(expert=expert, now=NOW)
    assert (split.earned.sessions, split.earned.gross_minor, split.earned.fee_minor) == (1, 1125000, 168750)
    assert (split.upcoming.sessions, split.upcoming.gross_minor) == (2, 600000)

    client.force_login(expert.user)
    page = client.get("/expert/dashboard/").content.decode()
    assert "Earned in May 2027, yours after fees" in page
    assert '<p class="earnings-big nowrap">₹9,562.50</p>' in page
    assert 'Upcoming: <strong class="nowrap">₹5,100</strong> from 2 more sessions this month' in page
    assert '<dd class="nowrap">−₹1,687.50</dd>' in page
