"""Staff act in the admin only through the services: refund a payment in full, approve, decline or
cancel a booking. Each refund reaches the gateway (the emulator records it) and each move is on the
booking's timeline, by staff."""
from datetime import timedelta

import pytest

from serene.bookings.models import Actor, Booking, BookingStatus, MoneyOutcome
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from serene.payments.sandbox.models import SandboxRefund
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

from .helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def experts():
    ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)
    ExpertFactory(slug="meera", hourly_rate_minor=150000, minimum_notice_hours=0, requires_approval=True)


def _paid(client, sandbox, *, expert="sarah", hour=10) -> Booking:
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), hour), expert=expert).json()
    verify(client, pay(sandbox, order["orderId"]))
    return Booking.objects.get(public_id=order["sessionId"])


def _act(admin_client, model: str, action: str, *pks):
    return admin_client.post(f"/admin/{model}/", {"action": action, "_selected_action": [str(pk) for pk in pks]},
                             follow=True)


def test_refunding_the_payment_of_a_session_ahead_cancels_it_and_refunds_in_full(client, admin_client, admin_user,
                                                                                  sandbox, experts):
    booking = _paid(client, sandbox)
    payment = Payment.objects.get(booking=booking)
    page = _act(admin_client, "payments/payment", "refund_in_full", payment.pk)
    assert "1 payment(s) refunded in full" in page.content.decode()
    booking.refresh_from_db()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUNDED_IN_FULL)
    cancelled = booking.events.get(to_status=BookingStatus.CANCELLED, from_status=BookingStatus.CONFIRMED)
    assert (cancelled.actor, cancelled.actor_user) == (Actor.STAFF, admin_user)
    assert SandboxRefund.objects.get().amount == 150000
    _act(admin_client, "payments/payment", "refund_in_full", payment.pk)  # again: nothing more
    assert SandboxRefund.objects.count() == 1


def test_refunding_a_session_that_took_place_is_a_goodwill_refund(client, admin_client, sandbox, experts):
    booking = _paid(client, sandbox)
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.COMPLETED,
                                                 starts_at=booking.starts_at - timedelta(days=30),
                                                 ends_at=booking.ends_at - timedelta(days=30),
                                                 blocked_until=booking.blocked_until - timedelta(days=30))
    payment = Payment.objects.get(booking=booking)
    _act(admin_client, "payments/payment", "refund_in_full", payment.pk)
    booking.refresh_from_db()
    assert (booking.status, booking.money_outcome) == (BookingStatus.COMPLETED, MoneyOutcome.REFUNDED_IN_FULL)
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REFUNDED
    assert Refund.objects.get().status == RefundStatus.PROCESSED and SandboxRefund.objects.count() == 1


def test_a_payment_with_nothing_captured_is_refused_with_a_reason(client, admin_client, sandbox, experts):
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    page = _act(admin_client, "payments/payment", "refund_in_full", Payment.objects.get().pk)
    assert "Nothing was captured on this payment" in page.content.decode()
    assert Booking.objects.get(public_id=order["sessionId"]).status == BookingStatus.PENDING


def test_staff_approve_decline_and_cancel_bookings(client, admin_client, sandbox, experts):
    approve, decline = _paid(client, sandbox, expert="meera", hour=10), _paid(client, sandbox, expert="meera", hour=12)
    cancel = _paid(client, sandbox, hour=14)
    _act(admin_client, "bookings/booking", "approve", approve.pk)
    _act(admin_client, "bookings/booking", "decline_and_refund", decline.pk)
    page = _act(admin_client, "bookings/booking", "cancel_and_refund", cancel.pk, approve.pk)
    assert "2 booking(s) cancelled" in page.content.decode()
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {approve.pk: BookingStatus.CANCELLED, decline.pk: BookingStatus.REJECTED,
                        cancel.pk: BookingStatus.CANCELLED}
    assert set(Booking.objects.values_list("money_outcome", flat=True)) == {MoneyOutcome.REFUNDED_IN_FULL}
    assert SandboxRefund.objects.count() == 3
    page = _act(admin_client, "bookings/booking", "approve", decline.pk)  # the lifecycle refuses, and says so
    assert "cannot become confirmed" in page.content.decode()


def test_the_booking_change_form_stays_read_only(client, admin_client, sandbox, experts):
    booking = _paid(client, sandbox)
    url = f"/admin/bookings/booking/{booking.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and "Booking events" in page.content.decode()  # the timeline inline
    assert admin_client.post(url, {"status": BookingStatus.CANCELLED, "price_minor": "1"}).status_code == 403
    booking.refresh_from_db()
    assert (booking.status, booking.price_minor) == (BookingStatus.CONFIRMED, 150000)


def test_staff_refund_part_of_a_payment_with_a_reason_and_the_session_stays_on(client, admin_client, admin_user,
                                                                               sandbox, experts):
    booking = _paid(client, sandbox)
    payment = Payment.objects.get(booking=booking)
    change = admin_client.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()
    url = f"/admin/payments/payment/{payment.pk}/refund-part/"
    assert url in change
    form = admin_client.get(url)
    assert form.status_code == 200 and "₹1,500" in form.content.decode()
    # Bad input is answered on the form, 400, and nothing reaches the gateway.
    for body in ({"amount": "0", "reason": "x"}, {"amount": "-5", "reason": "x"}, {"amount": "1500.01", "reason": "x"},
                 {"amount": "abc", "reason": "x"}, {"amount": "1.234", "reason": "x"}, {"amount": "100", "reason": ""},
                 {"amount": "NaN", "reason": "x"}):
        refused = admin_client.post(url, body)
        assert refused.status_code == 400, body
    assert SandboxRefund.objects.count() == 0
    done = admin_client.post(url, {"amount": "100.50", "reason": "Goodwill: the call dropped twice"}, follow=True)
    assert done.status_code == 200 and "₹100.50 refund: processed" in done.content.decode()
    assert SandboxRefund.objects.get().amount == 10050
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.status, refund.external, refund.reason) == (
        10050, RefundStatus.PROCESSED, False, "Goodwill: the call dropped twice")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED and payment.refund_reason == ""
    booking.refresh_from_db()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CONFIRMED, MoneyOutcome.REFUNDED_IN_PART)
    note = booking.events.get(reason__startswith="₹100.50 refunded by Serene staff")
    assert (note.actor, note.actor_user, note.to_status) == (Actor.STAFF, admin_user, BookingStatus.CONFIRMED)
    assert "Goodwill: the call dropped twice" in note.reason
    # At most what is left: ₹1,399.50 now.
    assert admin_client.post(url, {"amount": "1399.51", "reason": "x"}).status_code == 400
    # Cancelling later gives back only the rest.
    staff_cancel = _act(admin_client, "bookings/booking", "cancel_and_refund", booking.pk)
    assert staff_cancel.status_code == 200
    assert sorted(SandboxRefund.objects.values_list("amount", flat=True)) == [10050, 139950]
    booking.refresh_from_db()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUNDED_IN_FULL)
