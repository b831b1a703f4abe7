"""Earnings count only money kept: confirmed, completed and no-show sessions with nothing refunded,
by the month of the session on the expert's clock; the fee is rounded half up per session."""
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from serene.bookings.earnings import earnings_for_expert, platform_fee_minor
from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=KOLKATA)


def make_booking(expert, starts_at, *, status=BookingStatus.COMPLETED, price=150000, outcome=MoneyOutcome.NONE,
                 customer=None, note=""):
    return Booking.objects.create(customer=customer or UserFactory(), expert=expert, starts_at=starts_at,
                                  ends_at=starts_at + timedelta(hours=1), blocked_until=starts_at + timedelta(hours=1),
                                  duration_minutes=60, price_minor=price, status=status, money_outcome=outcome,
                                  customer_note=note)


@pytest.mark.parametrize(("gross", "percent", "fee"), [
    (150000, "15", 22500),
    (1001, "15", 150),     # 150.15 → 150
    (1010, "15", 152),     # 151.5 → 152: half up
    (999, "12.5", 125),    # 124.875 → 125
    (3, "50", 2),          # 1.5 → 2
    (150000, "0", 0),
    (150000, "100", 150000),
])
def test_the_fee_is_rounded_half_up_to_a_whole_paisa(gross, percent, fee):
    assert platform_fee_minor(gross_minor=gross, percent=Decimal(percent)) == fee


def test_only_kept_unrefunded_sessions_count(settings):
    settings.PLATFORM_FEE_PERCENT = Decimal("15")
    expert = ExpertFactory()
    day = datetime(2026, 11, 10, 10, 0, tzinfo=KOLKATA)
    counted = [
        make_booking(expert, day, status=BookingStatus.COMPLETED, price=150000),
        make_booking(expert, day + timedelta(hours=2), status=BookingStatus.NO_SHOW, price=100000),
        make_booking(expert, NOW + timedelta(days=2), status=BookingStatus.CONFIRMED, price=1010),  # later this month
    ]
    for index, (status, outcome) in enumerate([(BookingStatus.AWAITING_APPROVAL, MoneyOutcome.NONE),
                            (BookingStatus.CANCELLED, MoneyOutcome.REFUNDED_IN_FULL),
                            (BookingStatus.CANCELLED, MoneyOutcome.NOT_REFUNDED),  # a late cancel: not a session
                            (BookingStatus.REJECTED, MoneyOutcome.REFUNDED_IN_FULL),
                            (BookingStatus.EXPIRED, MoneyOutcome.NONE),
                            (BookingStatus.PENDING, MoneyOutcome.NONE),
                            (BookingStatus.COMPLETED, MoneyOutcome.REFUNDED_IN_PART),
                            (BookingStatus.CONFIRMED, MoneyOutcome.REFUND_PENDING),
                            (BookingStatus.COMPLETED, MoneyOutcome.REFUND_FAILED)]):
        # Each at its own time: on PostgreSQL the blocking ones must not overlap.
        make_booking(expert, day + timedelta(hours=4 + 2 * index), status=status, outcome=outcome)
    make_booking(ExpertFactory(), day, status=BookingStatus.COMPLETED)  # another expert's
    earnings = earnings_for_expert(expert=expert, now=NOW)
    assert {earning.booking.pk for earning in earnings.sessions} == {booking.pk for booking in counted}
    month = earnings.this_month
    assert (month.sessions, month.gross_minor, month.fee_minor, month.net_minor) == (
        3, 251010, 22500 + 15000 + 152, 251010 - 37652)
    assert sum(e.fee_minor for e in earnings.sessions) == month.fee_minor  # the month is the sum of its sessions


def test_months_run_on_the_experts_clock_and_cover_the_last_six(settings):
    settings.PLATFORM_FEE_PERCENT = Decimal("10")
    expert = ExpertFactory(time_zone="Asia/Kolkata")
    # 31 Oct 20:00 UTC is 1 Nov 01:30 in Kolkata: a November session.
    make_booking(expert, datetime(2026, 10, 31, 20, 0, tzinfo=ZoneInfo("UTC")), price=10000)
    make_booking(expert, datetime(2026, 6, 1, 0, 30, tzinfo=KOLKATA), price=20000)   # the oldest month shown
    make_booking(expert, datetime(2026, 5, 31, 23, 30, tzinfo=KOLKATA), price=40000)  # one month too old
    make_booking(expert, datetime(2026, 12, 1, 10, 0, tzinfo=KOLKATA), status=BookingStatus.CONFIRMED)  # next month
    earnings = earnings_for_expert(expert=expert, now=NOW)
    assert [month.month.isoformat() for month in earnings.months] == [
        "2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01"]
    assert [month.gross_minor for month in earnings.months] == [20000, 0, 0, 0, 0, 10000]
    assert [month.net_minor for month in earnings.months] == [18000, 0, 0, 0, 0, 9000]
    assert earnings.total.gross_minor == 30000


def test_the_year_turns_over(settings):
    expert = ExpertFactory()
    earnings = earnings_for_expert(expert=expert, now=datetime(2027, 2, 3, 9, 0, tzinfo=KOLKATA))
    assert [month.month.isoformat() for month in earnings.months][0] == "2026-09-01"
    assert earnings.months[-1].month.isoformat() == "2027-02-01"
