"""How a session that will not happen is told to its customer: who called it off and what came back,
in one kind wording ("could not take your session", as the email says), never "Rejected"; and the page
after paying shows the booking reference, and a calendar entry only once the session is confirmed."""
from datetime import datetime, timedelta, timezone

import pytest

from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.notifications import content
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 5, 12, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def _booking(*, status, customer=None, expert=None, outcome="", cancelled_by=None, refunded=0, days=3):
    expert = expert or ExpertFactory(user__name="Dr. Meera Rao", requires_approval=True)
    starts = NOW + timedelta(days=days)
    booking = Booking.objects.create(customer=customer or UserFactory(name="Asha Verma"), expert=expert,
                                     starts_at=starts, ends_at=starts + timedelta(hours=1),
                                     blocked_until=starts + timedelta(hours=1), duration_minutes=60,
                                     price_minor=300000, status=status, money_outcome=outcome,
                                     customer_time_zone="Asia/Kolkata")
    if cancelled_by == "customer":
        Booking.objects.filter(pk=booking.pk).update(cancelled_by=booking.customer, cancelled_at=NOW)
    elif cancelled_by == "expert":
        Booking.objects.filter(pk=booking.pk).update(cancelled_by=expert.user, cancelled_at=NOW)
    payment = Payment.objects.create(booking=booking, gateway_order_id=f"order_{booking.pk}",
                                     gateway_payment_id=f"pay_{booking.pk}", amount_minor=300000, currency="INR",
                                     status=PaymentStatus.REFUNDED if refunded else PaymentStatus.CAPTURED)
    if refunded:
        Refund.objects.create(payment=payment, gateway_refund_id=f"rfnd_{booking.pk}", amount_minor=refunded,
                              status=RefundStatus.PROCESSED)
    booking.refresh_from_db()
    return booking


def test_a_session_the_customer_cancelled_says_so_with_the_amount_refunded(client, clock):
    booking = _booking(status=BookingStatus.CANCELLED, outcome=MoneyOutcome.REFUNDED_IN_FULL,
                       cancelled_by="customer", refunded=300000)
    client.force_login(booking.customer)
    page = client.get(f"/sessions/{booking.public_id}/").content.decode()
    assert "You cancelled this session · ₹3,000 refunded" in page
    assert "We could not keep this time" not in page and "Choose another time" not in page
    assert "Book Dr. Meera Rao again" in page
    dashboard = client.get("/dashboard/").content.decode()
    assert "Cancelled by you" in dashboard and "₹3,000 refunded" in dashboard


def test_a_late_cancel_by_the_customer_says_nothing_came_back(client, clock):
    booking = _booking(status=BookingStatus.CANCELLED, outcome=MoneyOutcome.NOT_REFUNDED, cancelled_by="customer")
    client.force_login(booking.customer)
    page = client.get(f"/sessions/{booking.public_id}/").content.decode()
    assert "You cancelled this session · No refund: cancelled within 24 hours of the start" in page


def test_a_session_the_expert_did_not_take_is_told_in_the_emails_words(client, clock):
    booking = _booking(status=BookingStatus.REJECTED, outcome=MoneyOutcome.REFUND_PENDING)
    email = content.booking_rejected(booking, reason="", by_system=False)
    assert "Dr. Meera Rao could not take your session" in email.heading
    client.force_login(booking.customer)
    page = client.get(f"/sessions/{booking.public_id}/").content.decode()
    assert "<h1>Dr. Meera Rao could not take your session</h1>" in page and "Choose another time" in page
    dashboard = client.get("/dashboard/").content.decode()
    assert "Expert could not take it" in dashboard and "₹3,000 refund on its way" in dashboard
    for shown in (page, dashboard):
        assert "Rejected" not in shown and "Declined" not in shown


def test_the_success_page_shows_the_reference_and_a_calendar_only_once_confirmed(client, clock):
    waiting = _booking(status=BookingStatus.AWAITING_APPROVAL)
    client.force_login(waiting.customer)
    page = client.get(f"/booking/success?sessionId={waiting.public_id}").content.decode()
    reference = "SRN-" + waiting.public_id.hex[:10].upper()
    assert f"Booking reference <strong>{reference}</strong>" in page
    assert "Add to calendar" not in page and "Google Calendar" not in page and "calendar.ics" not in page
    confirmed = _booking(status=BookingStatus.CONFIRMED, customer=waiting.customer,
                         expert=ExpertFactory(user__name="Dr. Sarah Khan"), days=4)  # one session at a time
    page = client.get(f"/booking/success?sessionId={confirmed.public_id}").content.decode()
    assert "Add to calendar (.ics)" in page and "Add to Google Calendar" in page and "Booking reference" in page
