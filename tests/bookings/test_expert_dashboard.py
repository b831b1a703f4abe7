"""The expert's dashboard: what waits for an answer (and until when), today's agenda on the expert's
clock, what is ahead and behind, the actions each booking offers, and this month's earnings."""
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from serene.bookings.agenda import expert_actions_for, expert_agenda
from serene.bookings.models import BookingStatus, MoneyOutcome
from tests.factories import ExpertFactory

from .test_earnings import make_booking

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")


def test_the_agenda_sorts_bookings_by_the_experts_day():
    expert = ExpertFactory(time_zone="Asia/Kolkata")
    now = datetime(2026, 12, 1, 13, 0, tzinfo=KOLKATA)
    today = lambda hour: datetime(2026, 12, 1, hour, 0, tzinfo=KOLKATA)  # noqa: E731
    done_this_morning = make_booking(expert, today(9), status=BookingStatus.COMPLETED)
    this_evening = make_booking(expert, today(19), status=BookingStatus.CONFIRMED)
    cancelled_today = make_booking(expert, today(17), status=BookingStatus.CANCELLED)
    waiting = make_booking(expert, today(21), status=BookingStatus.AWAITING_APPROVAL)
    tomorrow = make_booking(expert, today(19) + timedelta(days=1), status=BookingStatus.CONFIRMED)
    # 18:30 UTC on 30 Nov is 00:00 on 1 Dec in Kolkata: today, not yesterday.
    midnight = make_booking(expert, datetime(2026, 11, 30, 18, 30, tzinfo=ZoneInfo("UTC")),
                            status=BookingStatus.NO_SHOW)
    yesterday = make_booking(expert, today(10) - timedelta(days=1), status=BookingStatus.COMPLETED)
    make_booking(expert, today(11) - timedelta(days=2), status=BookingStatus.EXPIRED)  # never listed
    make_booking(ExpertFactory(), today(20), status=BookingStatus.CONFIRMED)  # someone else's
    agenda = expert_agenda(expert=expert, now=now)
    assert agenda.awaiting == [waiting]
    assert agenda.today == [midnight, done_this_morning, this_evening]
    assert agenda.upcoming == [tomorrow]
    assert agenda.past == [yesterday]
    assert cancelled_today not in agenda.today


def test_each_booking_offers_only_the_moves_the_services_allow():
    expert = ExpertFactory()
    now = timezone.now()
    ahead, behind = now + timedelta(days=2), now - timedelta(hours=1)
    cases = [
        (BookingStatus.AWAITING_APPROVAL, ahead, ["accept", "reject"]),
        (BookingStatus.AWAITING_APPROVAL, behind, []),
        (BookingStatus.CONFIRMED, ahead, ["cancel"]),
        (BookingStatus.CONFIRMED, behind, ["no_show"]),
        (BookingStatus.COMPLETED, behind, ["no_show"]),
        (BookingStatus.COMPLETED, now - timedelta(days=8), []),  # a correction that late is staff's
        (BookingStatus.NO_SHOW, behind, []),
        (BookingStatus.CANCELLED, ahead, []),
        (BookingStatus.REJECTED, ahead, []),
    ]
    for index, (status, starts, expected) in enumerate(cases):
        booking = make_booking(expert, starts + timedelta(minutes=90 * index), status=status)
        booking.starts_at = starts
        assert expert_actions_for(booking=booking, now=now) == expected, status


def test_the_page_shows_the_clients_note_the_answer_deadline_and_the_months_earnings(client, settings):
    settings.PLATFORM_FEE_PERCENT = Decimal("15")
    settings.APPROVAL_DEADLINE_HOURS = 2
    expert = ExpertFactory(requires_approval=True, time_zone="Asia/Kolkata")
    local_now = timezone.now().astimezone(KOLKATA)
    starts = datetime.combine(local_now.date() + timedelta(days=3), time(18, 0), tzinfo=KOLKATA)
    make_booking(expert, starts, status=BookingStatus.AWAITING_APPROVAL, note="Trouble sleeping before exams.")
    make_booking(expert, starts + timedelta(hours=2), status=BookingStatus.CONFIRMED, price=150000)
    make_booking(expert, starts + timedelta(hours=4), status=BookingStatus.CANCELLED,
                 outcome=MoneyOutcome.REFUNDED_IN_FULL)
    client.force_login(expert.user)
    page = client.get("/expert/dashboard/").content.decode()
    assert "Waiting for your answer" in page and "Trouble sleeping before exams." in page
    deadline = starts - timedelta(hours=2)
    assert f"Answer by {deadline:%a} {deadline.day} {deadline:%b}, 4:00 pm" in page
    earned_month = starts.strftime("%B %Y")
    if earned_month == local_now.strftime("%B %Y"):  # the session falls in this month: it is this month's figure
        assert "₹1,275" in page and "₹225" in page
    assert "Edit availability" in page and 'href="/notifications/"' in page
    assert page.count('data-action-dialog') == 3  # accept and decline, and cancel the confirmed one
