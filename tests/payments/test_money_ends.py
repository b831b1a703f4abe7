"""Section 4: every captured payment ends, by itself, in a kept booking, a processed refund, or (only
where the gateway itself fails) flagged for staff with the reason. Gateway states the emulator has
no switch for yet (a mismatched amount, a second capture, a failed refund) are made directly in its
tables, as Razorpay's servers would hold them."""
from datetime import timedelta

import pytest
from django.utils import timezone

from serene.bookings.models import Actor, Booking, BookingStatus, MoneyOutcome
from serene.payments.models import GatewayCall, Payment, PaymentStatus, Refund, RefundEvent, RefundStatus
from serene.payments.reconciliation import payment_reconcile, payments_sweep
from serene.payments.refunds import DASHBOARD_REASON
from serene.payments.sandbox.models import SandboxOrder, SandboxPayment, SandboxRefund, SandboxWebhook, gateway_id
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

from .helpers import create_order, deliver, emulator_webhook, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)


@pytest.fixture
def quiet(settings):
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False


def _paid(client, sandbox, *, hour=10):
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), hour)).json()
    paid = pay(sandbox, order["orderId"])
    return order, paid


def _late_payment_lost(client, sandbox):
    """A late payment for a time someone else took meanwhile: it is refunded in full."""
    start = at(next_weekday(), 10)
    customer = UserFactory()
    client.force_login(customer)
    order = create_order(client, starts=start).json()
    Booking.objects.filter(public_id=order["sessionId"]).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(UserFactory())
    assert create_order(client, starts=start).status_code == 200
    client.force_login(customer)
    paid = pay(sandbox, order["orderId"])
    assert verify(client, paid).json()["status"] == "expired"
    return order, paid


def _gateway_fails_refund(refund: SandboxRefund) -> SandboxWebhook:
    """What Razorpay does when a bank bounces a refund: the refund fails, the money is back with us."""
    SandboxRefund.objects.filter(pk=refund.pk).update(status="failed")
    payment = SandboxPayment.objects.get(pk=refund.payment_id)
    payment.amount_refunded -= refund.amount
    payment.status = "captured"
    payment.save()
    refund.refresh_from_db()
    return emulator_webhook("refund.failed", refund=refund)


@pytest.mark.parametrize("change", [{"amount": 100000}, {"currency": "USD"}], ids=["amount", "currency"])
def test_a_payment_that_does_not_match_its_order_is_refunded_in_full(client, sandbox, sarah, quiet, change):
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    SandboxOrder.objects.filter(id=order["orderId"]).update(**change)
    paid = pay(sandbox, order["orderId"])
    assert verify(client, paid).status_code == 200
    stray = Payment.objects.get(gateway_payment_id=paid["razorpay_payment_id"])
    assert stray.stray_of == Payment.objects.get(gateway_order_id=order["orderId"], stray_of=None)
    assert stray.status == PaymentStatus.REFUNDED and "does not match" in stray.refund_reason
    refund = Refund.objects.get()
    assert (refund.payment, refund.status, refund.amount_minor) == (stray, RefundStatus.PROCESSED, stray.amount_minor)
    assert SandboxPayment.objects.get(id=paid["razorpay_payment_id"]).status == "refunded"
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.PENDING and booking.money_outcome == MoneyOutcome.NONE  # never confirmed


def test_a_second_capture_on_a_paid_order_is_recorded_and_refunded_in_full(client, sandbox, sarah, quiet):
    order, paid = _paid(client, sandbox)
    assert verify(client, paid).json()["status"] == "confirmed"
    first = SandboxPayment.objects.get(id=paid["razorpay_payment_id"])
    second = SandboxPayment.objects.create(id=gateway_id("pay"), order=first.order, amount=first.amount,
                                           currency=first.currency, status="captured", captured=True, method="upi",
                                           vpa="success@razorpay")
    captured = emulator_webhook("payment.captured", payment=second)
    assert deliver(client, captured).status_code == 200
    stray = Payment.objects.get(gateway_payment_id=second.id)
    assert stray.stray_of.gateway_payment_id == first.id and stray.status == PaymentStatus.REFUNDED
    assert Refund.objects.get().payment == stray
    second.refresh_from_db()
    assert second.status == "refunded" and first.amount_refunded == 0
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    # Heard of again (a re-sent webhook, the sweep): nothing more happens.
    assert deliver(client, emulator_webhook("payment.captured", payment=second)).status_code == 200
    payment_reconcile(order_id=order["orderId"])
    payments_sweep(older_than=timedelta(0))
    assert Refund.objects.count() == 1 and Payment.objects.count() == 2


def test_a_refund_the_gateway_fails_is_asked_for_again(client, sandbox, sarah, quiet):
    order, paid = _late_payment_lost(client, sandbox)
    first = SandboxRefund.objects.get()
    assert deliver(client, _gateway_fails_refund(first)).status_code == 200
    ours = Refund.objects.get(gateway_refund_id=first.id)
    assert ours.status == RefundStatus.FAILED and ours.failure_reason
    assert list(RefundEvent.objects.filter(refund=ours).values_list("from_status", "to_status")) == [
        ("", "created"), ("created", "processed"), ("processed", "failed")]
    retry = Refund.objects.exclude(pk=ours.pk).get()
    assert retry.status == RefundStatus.PROCESSED and retry.amount_minor == 150000
    payment = Payment.objects.get(gateway_order_id=order["orderId"], stray_of=None)
    assert payment.status == PaymentStatus.REFUNDED and not payment.needs_attention
    assert Booking.objects.get(public_id=order["sessionId"]).money_outcome == MoneyOutcome.REFUNDED_IN_FULL


def test_a_refund_that_keeps_failing_is_flagged_for_staff(client, sandbox, sarah, quiet, settings, admin_client):
    settings.REFUND_ATTEMPTS = 2
    order, paid = _late_payment_lost(client, sandbox)
    deliver(client, _gateway_fails_refund(SandboxRefund.objects.get()))
    second = SandboxRefund.objects.order_by("recorded").last()
    deliver(client, _gateway_fails_refund(second))
    payment = Payment.objects.get(gateway_order_id=order["orderId"], stray_of=None)
    assert payment.needs_attention and "failed 2 refunds" in payment.attention_reason
    assert payment.status == PaymentStatus.CAPTURED  # the money is with us, and staff know it
    assert Booking.objects.get(public_id=order["sessionId"]).money_outcome == MoneyOutcome.REFUND_FAILED
    assert SandboxRefund.objects.count() == 2  # no third try once flagged, not even by the sweep
    payments_sweep(older_than=timedelta(0))
    assert SandboxRefund.objects.count() == 2
    flagged = admin_client.get("/admin/payments/payment/?needs_attention__exact=1")
    assert flagged.status_code == 200 and order["orderId"] in flagged.content.decode()


def test_a_flagged_refund_made_by_staff_in_the_dashboard_closes_the_case(client, sandbox, sdk, sarah, quiet, settings):
    settings.REFUND_ATTEMPTS = 1
    order, paid = _late_payment_lost(client, sandbox)
    deliver(client, _gateway_fails_refund(SandboxRefund.objects.get()))
    assert Payment.objects.get(gateway_order_id=order["orderId"]).needs_attention
    sdk.payment.refund(paid["razorpay_payment_id"], {"amount": 150000})  # staff, by hand
    payment_reconcile(order_id=order["orderId"])
    payment = Payment.objects.get(gateway_order_id=order["orderId"])
    assert payment.status == PaymentStatus.REFUNDED and not payment.needs_attention and payment.attention_reason
    assert Booking.objects.get(public_id=order["sessionId"]).money_outcome == MoneyOutcome.REFUNDED_IN_FULL


@pytest.mark.parametrize("amount, outcome, status", [
    (150000, MoneyOutcome.REFUNDED_IN_FULL, PaymentStatus.REFUNDED),
    (50000, MoneyOutcome.REFUNDED_IN_PART, PaymentStatus.PARTIALLY_REFUNDED)], ids=["full", "part"])
def test_a_refund_made_in_the_dashboard_cancels_the_booking_via_its_webhook(client, sandbox, sdk, sarah, amount,
                                                                           outcome, status):
    order, paid = _paid(client, sandbox)  # webhooks on: the booking is confirmed by them
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    sdk.payment.refund(paid["razorpay_payment_id"], {"amount": amount})  # as staff do in the Dashboard
    assert SandboxWebhook.objects.filter(event="refund.processed", status="delivered").count() == 1
    refund = Refund.objects.get()
    assert refund.external and refund.status == RefundStatus.PROCESSED and refund.amount_minor == amount
    payment = Payment.objects.get()
    assert payment.status == status
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CANCELLED and booking.money_outcome == outcome
    cancelled = booking.events.exclude(from_status=BookingStatus.CANCELLED).get(to_status=BookingStatus.CANCELLED)
    assert (cancelled.actor, cancelled.reason) == (Actor.STAFF, DASHBOARD_REASON)
    assert SandboxRefund.objects.count() == 1  # nothing more was refunded by us


def test_a_dashboard_refund_seen_only_in_a_payment_fetch_is_recorded_too(client, sandbox, sdk, sarah, quiet):
    order, paid = _paid(client, sandbox)
    assert verify(client, paid).json()["status"] == "confirmed"
    sdk.payment.refund(paid["razorpay_payment_id"], {"amount": 150000})  # its webhook is lost
    payment_reconcile(order_id=order["orderId"])  # the payment now shows amount_refunded
    assert Refund.objects.get().external
    booking = Booking.objects.get()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUNDED_IN_FULL)


def test_the_refund_webhook_of_our_own_refund_changes_nothing_more(client, sandbox, sarah, quiet):
    order, paid = _late_payment_lost(client, sandbox)
    processed = emulator_webhook("refund.processed", refund=SandboxRefund.objects.get())
    for _ in range(2):
        assert deliver(client, processed).status_code == 200
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.PROCESSED and not refund.external
    assert SandboxRefund.objects.count() == 1


def test_the_sweep_finishes_a_refund_interrupted_between_its_claim_and_the_gateway(client, sandbox, sdk, sarah, quiet):
    """Two crashes: one before the refund reached the gateway (asked again), one after (matched by receipt)."""
    orders = []
    for hour in (10, 14):
        order, paid = _paid(client, sandbox, hour=hour)
        assert verify(client, paid).json()["status"] == "confirmed"
        orders.append((order, paid))
    (never_sent, _), (made, paid_two) = orders
    for order, _ in orders:
        payment = Payment.objects.get(gateway_order_id=order["orderId"])
        Payment.objects.filter(pk=payment.pk).update(refund_reason="The session was cancelled.")
        Booking.objects.filter(pk=payment.booking_id).update(status=BookingStatus.CANCELLED,
                                                             money_outcome=MoneyOutcome.REFUND_PENDING)
        Refund.objects.create(payment=payment, receipt=f"serene-refund-{payment.pk}-1", amount_minor=150000,
                              reason="The session was cancelled.", status=RefundStatus.CREATED)
    made_payment = Payment.objects.get(gateway_order_id=made["orderId"])
    sdk.payment.refund(paid_two["razorpay_payment_id"], {"amount": 150000, "receipt": f"serene-refund-{made_payment.pk}-1"})
    Refund.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    payments_sweep(older_than=timedelta(0))
    lost_claim = Refund.objects.get(payment__gateway_order_id=never_sent["orderId"], receipt__endswith="-1")
    assert lost_claim.status == RefundStatus.FAILED and "never reached" in lost_claim.failure_reason
    assert Refund.objects.get(payment__gateway_order_id=never_sent["orderId"], receipt__endswith="-2").status == "processed"
    matched = Refund.objects.get(payment=made_payment)
    assert matched.status == RefundStatus.PROCESSED and matched.gateway_refund_id and not matched.external
    assert SandboxRefund.objects.count() == 2
    assert set(Booking.objects.values_list("money_outcome", flat=True)) == {MoneyOutcome.REFUNDED_IN_FULL}


def test_every_gateway_call_is_logged_with_what_it_was_about(client, sandbox, sarah, quiet, admin_client):
    order, paid = _late_payment_lost(client, sandbox)
    calls = list(GatewayCall.objects.order_by("at", "id"))
    assert [call.operation for call in calls] == ["order_create", "order_create", "payment_fetch", "payment_refund"]
    assert all(call.succeeded and call.duration_ms >= 0 for call in calls)
    assert calls[0].order_id == order["orderId"] and calls[0].amount_minor == 150000
    fetch, refund = calls[2], calls[3]
    assert (fetch.order_id, fetch.payment_id) == (order["orderId"], paid["razorpay_payment_id"])
    assert "captured" in fetch.result
    assert refund.refund_id == Refund.objects.get().gateway_refund_id and refund.payment_id == paid["razorpay_payment_id"]
    # Support finds them by the order id, and on the payment's own page.
    listed = admin_client.get(f"/admin/payments/gatewaycall/?q={order['orderId']}")
    assert listed.status_code == 200
    assert f"receipt {order['sessionId']}: order {order['orderId']} for 150000 INR" in listed.content.decode()
    payment = Payment.objects.get(gateway_order_id=order["orderId"])
    page = admin_client.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()
    assert "order_create" in page and "payment_refund" in page
    assert admin_client.get(f"/admin/payments/refund/{Refund.objects.get().pk}/change/").status_code == 200
