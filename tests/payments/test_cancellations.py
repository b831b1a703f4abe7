"""The money side of the booking moves: approval, rejection and cancellation, and a booking
cancelled before its payment arrived. The emulator sends its webhooks as it does in tests: during
the call that caused them (a refund's refund.created and refund.processed before it is answered)."""
import pytest

from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.bookings.moves import booking_approve
from serene.core.errors import Conflict, Forbidden
from serene.payments.cancellations import booking_cancel_with_refund, booking_reject_with_refund
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from serene.payments.sandbox.models import SandboxPayment, SandboxRefund
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

from .helpers import create_order, pay, refunds_fail, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def meera():
    return ExpertFactory(slug="meera", hourly_rate_minor=150000, minimum_notice_hours=0, requires_approval=True)


def _booked(client, sandbox, *, expert="sarah"):
    customer = UserFactory()
    client.force_login(customer)
    order = create_order(client, starts=at(next_weekday(), 10), expert=expert).json()
    answer = verify(client, pay(sandbox, order["orderId"])).json()
    return Booking.objects.get(public_id=order["sessionId"]), customer, answer


def test_a_booking_with_an_expert_who_approves_waits_then_is_confirmed(client, sandbox, meera):
    booking, customer, answer = _booked(client, sandbox, expert="meera")
    assert answer["status"] == BookingStatus.AWAITING_APPROVAL
    with pytest.raises(Forbidden):
        booking_approve(booking_id=booking.pk, by=customer)
    booking_approve(booking_id=booking.pk, by=meera.user)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and Refund.objects.count() == 0


def test_a_rejected_booking_is_refunded_in_full_once(client, sandbox, meera):
    booking, _, _ = _booked(client, sandbox, expert="meera")
    booking = booking_reject_with_refund(booking_id=booking.pk, by=meera.user, reason="I am away that week.")
    assert (booking.status, booking.money_outcome) == (BookingStatus.REJECTED, MoneyOutcome.REFUNDED_IN_FULL)
    refund = Refund.objects.get()
    assert (refund.status, refund.amount_minor, refund.external) == (RefundStatus.PROCESSED, 150000, False)
    assert Payment.objects.get().status == PaymentStatus.REFUNDED
    assert SandboxPayment.objects.get().status == "refunded"
    with pytest.raises(Conflict):  # asked again: the lifecycle refuses, and no second refund is made
        booking_reject_with_refund(booking_id=booking.pk, by=meera.user)
    assert SandboxRefund.objects.count() == 1


def test_a_customer_cancelling_in_good_time_gets_everything_back(client, sandbox, sarah):
    booking, customer, _ = _booked(client, sandbox)
    booking = booking_cancel_with_refund(booking_id=booking.pk, by=customer)
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUNDED_IN_FULL)
    assert Refund.objects.get().amount_minor == 150000


def test_a_customer_cancelling_late_gets_nothing_back(client, sandbox, sarah, settings):
    booking, customer, _ = _booked(client, sandbox)
    settings.CANCELLATION_WINDOW_HOURS = 24 * 60  # the session now starts inside the window
    booking = booking_cancel_with_refund(booking_id=booking.pk, by=customer)
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.NOT_REFUNDED)
    assert Refund.objects.count() == 0 and SandboxRefund.objects.count() == 0
    assert Payment.objects.get().status == PaymentStatus.CAPTURED


def test_the_expert_cancelling_late_refunds_in_full(client, sandbox, sarah, settings):
    booking, _, _ = _booked(client, sandbox)
    settings.CANCELLATION_WINDOW_HOURS = 24 * 60
    booking = booking_cancel_with_refund(booking_id=booking.pk, by=sarah.user)
    assert booking.money_outcome == MoneyOutcome.REFUNDED_IN_FULL


def test_a_booking_cancelled_before_its_payment_arrived_is_refunded_when_it_does(client, sandbox, sarah):
    customer = UserFactory()
    client.force_login(customer)
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    booking = Booking.objects.get(public_id=order["sessionId"])
    booking = booking_cancel_with_refund(booking_id=booking.pk, by=customer)  # another tab still pays
    assert booking.status == BookingStatus.CANCELLED and booking.money_outcome == MoneyOutcome.NONE
    answer = verify(client, pay(sandbox, order["orderId"])).json()
    assert answer["status"] == BookingStatus.CANCELLED
    booking.refresh_from_db()
    assert booking.money_outcome == MoneyOutcome.REFUNDED_IN_FULL
    assert Payment.objects.get().refund_reason.startswith("The session was cancelled before the payment arrived")
    assert Refund.objects.get().status == RefundStatus.PROCESSED


def test_a_refund_the_gateway_cannot_take_now_stays_owed_for_the_sweep(client, sandbox, sarah, settings):
    from datetime import timedelta

    from serene.payments.reconciliation import payments_sweep
    booking, customer, _ = _booked(client, sandbox)
    settings.RAZORPAY_API_BASE = "http://127.0.0.1:9"  # the gateway is down
    booking = booking_cancel_with_refund(booking_id=booking.pk, by=customer)
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUND_PENDING)
    settings.RAZORPAY_API_BASE = f"{sandbox.url}/sandbox/razorpay"
    Refund.objects.update(created_at=Refund.objects.get().created_at - timedelta(minutes=5))
    payments_sweep(older_than=timedelta(0))
    booking.refresh_from_db()
    assert booking.money_outcome == MoneyOutcome.REFUNDED_IN_FULL
    assert SandboxRefund.objects.count() == 1


def test_a_cancellation_refund_the_bank_turns_down_is_asked_for_again(client, sandbox, sdk, sarah):
    booking, customer, answer = _booked(client, sandbox)
    refunds_fail(sandbox, Payment.objects.get().gateway_order_id)
    booking = booking_cancel_with_refund(booking_id=booking.pk, by=customer)
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUNDED_IN_FULL)
    assert list(Refund.objects.order_by("pk").values_list("status", flat=True)) == [RefundStatus.FAILED,
                                                                                   RefundStatus.PROCESSED]
    gateway = sdk.payment.fetch_multiple_refund(answer["paymentId"])["items"]
    assert [item["status"] for item in gateway] == ["failed", "processed"]
    assert Payment.objects.get().status == PaymentStatus.REFUNDED and not Payment.objects.get().needs_attention


def test_after_a_refund_the_bank_turned_down_and_one_that_went_through_both_pages_show_the_second(client, sandbox,
                                                                                                  sarah):
    booking, customer, answer = _booked(client, sandbox)
    refunds_fail(sandbox, Payment.objects.get().gateway_order_id)
    booking_cancel_with_refund(booking_id=booking.pk, by=customer)
    failed, processed = Refund.objects.order_by("pk")
    assert (failed.status, processed.status) == (RefundStatus.FAILED, RefundStatus.PROCESSED)
    assert list(Payment.objects.get().refunds.all()) == [failed, processed]  # the default order: as asked for

    session = client.get(f"/api/v1/sessions/{booking.public_id}").json()
    assert session["refund"] == {"id": processed.gateway_refund_id, "amount": 1500, "status": "processed"}
    assert session["refundedAmount"] == 1500 and session["status"] == BookingStatus.CANCELLED
    page = client.get(f"/booking/success?sessionId={booking.public_id}").content.decode()
    # The customer cancelled: the page says so with what came back (the refund that went through), and
    # nothing of the one the bank turned down.
    assert "You cancelled this session" in page and "₹1,500 refunded" in page
    assert failed.gateway_refund_id not in page and "is failed" not in page
