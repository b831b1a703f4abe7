"""The success page says what is true of this booking: booked once (not "booked" and "confirmed"),
no check mark nor "confirmed" while the expert has yet to accept, and no free cancellation or
day-before reminder for a session booked inside the cancellation window."""
from datetime import timedelta

import pytest
from django.utils import timezone

from serene.availability.models import WeeklySchedule
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.policy import cancellation_policy_text, late_booking_policy_text
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

from tests.payments.helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)


def _paid_page(client, sandbox, expert, starts):
    client.force_login(UserFactory(email="asha@example.test"))
    order = create_order(client, starts=starts, expert=expert.slug)
    assert order.status_code == 200, order.content
    assert verify(client, pay(sandbox, order.json()["orderId"])).status_code == 200
    return client.get(f"/booking/success?sessionId={order.json()['sessionId']}").content.decode()


def test_a_booking_days_ahead_is_booked_once_with_the_policy_and_both_reminders(client, sandbox, quiet):
    sarah = ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)
    page = _paid_page(client, sandbox, sarah, at(next_weekday(days_ahead=7), 10))
    assert "Your session is booked" in page and "result-ok" in page
    assert "confirmed" not in page.lower()
    assert cancellation_policy_text() in page
    assert "the day before and again 10 minutes before" in page


def test_a_booking_inside_the_window_promises_no_free_cancellation_nor_a_day_before_reminder(client, sandbox, quiet):
    sarah = ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)
    WeeklySchedule.objects.update_or_create(expert=sarah, defaults={"weekly_hours": {
        str(day): [{"start": "00:00", "end": "23:59"}] for day in range(7)}})
    start = (timezone.now() + timedelta(hours=5)).replace(minute=0, second=0, microsecond=0)
    page = _paid_page(client, sandbox, sarah, start)
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    assert "Free cancellation" not in page and "free cancellation" not in page
    assert late_booking_policy_text() in page
    assert "day before" not in page and "24 hours before" not in page
    assert "a reminder 10 minutes before" in page


def test_a_booking_awaiting_approval_shows_no_check_mark_and_never_says_confirmed(client, sandbox, quiet):
    meera = ExpertFactory(slug="meera", user__name="Meera Iyer", hourly_rate_minor=150000, minimum_notice_hours=0,
                          requires_approval=True)
    page = _paid_page(client, sandbox, meera, at(next_weekday(days_ahead=7), 10))
    assert Booking.objects.get().status == BookingStatus.AWAITING_APPROVAL
    assert "result-ok" not in page and "result-wait" in page
    assert "confirmed" not in page.lower() and "is booked" not in page
    assert "waiting for Meera Iyer to accept" in page
    assert "reminder" not in page  # none is planned until she accepts
