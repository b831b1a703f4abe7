"""Section 4: every captured payment ends, by itself, in a kept booking, a processed refund, or (only
where the gateway itself fails) flagged for staff with the reason.

The gateway's rare events are made by the emulator's own switches over HTTP (a refund the bank turns
down, a second capture, a payment that differs from its order, a refund made in the Razorpay
Dashboard), and its webhooks reach Serene as it sends them: during the call that caused them (as it
does in tests), after the call was answered (as Razorpay does), or reordered and twice."""
from datetime import timedelta

import pytest
from django.utils import timezone

from serene.bookings.models import Actor, Booking, BookingStatus, MoneyOutcome
from serene.payments.cancellations import booking_cancel_with_refund
from serene.payments.models import GatewayCall, Payment, PaymentStatus, Refund, RefundEvent, RefundStatus, WebhookEvent
from serene.payments.reconciliation import payment_reconcile, payments_sweep
from serene.payments.refund_lifecycle import DASHBOARD_REASON
from serene.payments.sandbox.models import SandboxWebhook
from tests.bookings.helpers import at, next_weekday
from tests.factories import UserFactory

from .helpers import (create_order, dashboard_refund, pay, pay_captured, refund_settle, refunds_fail,
                      refunds_stay_pending, verify, webhook_mark, webhooks_resend, webhooks_send_recorded)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["during_the_call", "after_the_answer", "reordered_and_twice"])
def webhooks(request, settings):
    """How the emulator's webhooks reach Serene. Returns arrive(): call it once the gateway was asked
    (it sends what the emulator recorded when they come after the answer; otherwise they came already)."""
    if request.param == "after_the_answer":
        settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False
        return webhooks_send_recorded
    if request.param == "reordered_and_twice":
        settings.RAZORPAY_SANDBOX_WEBHOOK_REORDER = True
        settings.RAZORPAY_SANDBOX_WEBHOOK_DUPLICATE = True
    return lambda: []


def _paid(client, sandbox, *, hour=10):
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), hour)).json()
    paid = pay(sandbox, order["orderId"])
    return order, paid


def _late_payment_lost(client, sandbox, *, refund_failures=0, refunds_pending=0, arrive=lambda: []):
    """A late payment for a time someone else took meanwhile: it is refunded in full. The emulator
    turns down the first `refund_failures` refunds of it, or keeps the first `refunds_pending` pending."""
    start = at(next_weekday(), 10)
    customer = UserFactory()
    client.force_login(customer)
    order = create_order(client, starts=start).json()
    if refund_failures:
        refunds_fail(sandbox, order["orderId"], refund_failures)
    if refunds_pending:
        refunds_stay_pending(sandbox, order["orderId"], refunds_pending)
    Booking.objects.filter(public_id=order["sessionId"]).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(UserFactory())
    assert create_order(client, starts=start).status_code == 200
    client.force_login(customer)
    paid = pay(sandbox, order["orderId"])
    assert verify(client, paid).json()["status"] == "expired"
    arrive()
    return order, paid


def _gateway_refunds(sdk, payment_id: str) -> list[dict]:
    return sdk.payment.fetch_multiple_refund(payment_id)["items"]


@pytest.mark.parametrize("change", [{"amount": 100000}, {"currency": "USD"}], ids=["amount", "currency"])
def test_a_payment_that_does_not_match_its_order_is_refunded_in_full(client, sandbox, sdk, sarah, change):
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    paid = pay_captured(sandbox, order["orderId"], **change)  # its webhooks arrive during the call
    assert verify(client, paid).status_code == 200
    stray = Payment.objects.get(gateway_payment_id=paid["razorpay_payment_id"])
    assert stray.stray_of == Payment.objects.get(gateway_order_id=order["orderId"], stray_of=None)
    assert stray.status == PaymentStatus.REFUNDED and "does not match" in stray.refund_reason
    refund = Refund.objects.get()
    assert (refund.payment, refund.status, refund.amount_minor) == (stray, RefundStatus.PROCESSED, stray.amount_minor)
    assert sdk.payment.fetch(paid["razorpay_payment_id"])["status"] == "refunded"
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.PENDING and booking.money_outcome == MoneyOutcome.NONE  # never confirmed


def test_a_second_capture_on_a_paid_order_is_recorded_and_refunded_in_full(client, sandbox, sdk, sarah):
    order, paid = _paid(client, sandbox)
    assert verify(client, paid).json()["status"] == "confirmed"
    mark = webhook_mark()
    second = pay_captured(sandbox, order["orderId"])["razorpay_payment_id"]  # the customer paid again from a 2nd tab
    sent = list(SandboxWebhook.objects.filter(pk__gt=mark))
    assert {webhook.event for webhook in sent} == {"payment.authorized", "payment.captured", "refund.created",
                                                   "refund.processed"}
    assert all(webhook.status == "delivered" for webhook in sent)
    assert WebhookEvent.objects.filter(gateway_event_id__in=[w.event_id for w in sent], handled_at=None).count() == 0
    stray = Payment.objects.get(gateway_payment_id=second)
    assert stray.stray_of.gateway_payment_id == paid["razorpay_payment_id"] and stray.status == PaymentStatus.REFUNDED
    assert Refund.objects.get().payment == stray
    assert sdk.payment.fetch(second)["status"] == "refunded"
    assert sdk.payment.fetch(paid["razorpay_payment_id"])["amount_refunded"] == 0
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    # Heard of again (Razorpay sends every event again, the sweep): nothing more happens.
    webhooks_resend(sent)
    payment_reconcile(order_id=order["orderId"])
    payments_sweep(older_than=timedelta(0))
    assert Refund.objects.count() == 1 and Payment.objects.count() == 2
    assert len(_gateway_refunds(sdk, second)) == 1


def test_a_second_capture_whose_refund_keeps_failing_is_flagged_and_the_booking_kept(client, sandbox, sdk, sarah,
                                                                                     settings, webhooks):
    settings.REFUND_ATTEMPTS = 2
    order, paid = _paid(client, sandbox)
    webhooks()
    refunds_fail(sandbox, order["orderId"], 2)
    second = pay_captured(sandbox, order["orderId"])["razorpay_payment_id"]
    webhooks()
    payments_sweep(older_than=timedelta(0))
    stray = Payment.objects.get(gateway_payment_id=second)
    assert stray.needs_attention and "failed 2 refunds" in stray.attention_reason and ".." not in stray.attention_reason
    assert stray.status == PaymentStatus.CAPTURED
    assert [item["status"] for item in _gateway_refunds(sdk, second)] == ["failed", "failed"]
    booking = Booking.objects.get()  # the booking's own payment is untouched, and so is its outcome
    assert (booking.status, booking.money_outcome) == (BookingStatus.CONFIRMED, MoneyOutcome.NONE)
    assert Payment.objects.get(gateway_payment_id=paid["razorpay_payment_id"]).status == PaymentStatus.CAPTURED


def test_a_refund_the_gateway_fails_is_asked_for_again(client, sandbox, sdk, sarah, webhooks):
    order, paid = _late_payment_lost(client, sandbox, refund_failures=1, arrive=webhooks)
    failed, processed = _gateway_refunds(sdk, paid["razorpay_payment_id"])
    assert (failed["status"], processed["status"]) == ("failed", "processed")
    ours = Refund.objects.get(gateway_refund_id=failed["id"])
    assert ours.status == RefundStatus.FAILED and ours.failure_reason
    # Answered pending, then failed: never counted as processed.
    assert list(RefundEvent.objects.filter(refund=ours).values_list("from_status", "to_status")) == [
        ("", "created"), ("created", "failed")]
    retry = Refund.objects.exclude(pk=ours.pk).get()
    assert retry.gateway_refund_id == processed["id"]
    assert retry.status == RefundStatus.PROCESSED and retry.amount_minor == 150000
    payment = Payment.objects.get(gateway_order_id=order["orderId"], stray_of=None)
    assert payment.status == PaymentStatus.REFUNDED and not payment.needs_attention
    assert Booking.objects.get(public_id=order["sessionId"]).money_outcome == MoneyOutcome.REFUNDED_IN_FULL
    assert WebhookEvent.objects.filter(handled_at=None).count() == 0


def test_a_refund_that_keeps_failing_is_flagged_for_staff(client, sandbox, sdk, sarah, settings, admin_client,
                                                           webhooks):
    settings.REFUND_ATTEMPTS = 2
    settings.RAZORPAY_SANDBOX_REFUNDS_FAIL = True  # the bank turns down every refund
    order, paid = _late_payment_lost(client, sandbox, arrive=webhooks)
    payment = Payment.objects.get(gateway_order_id=order["orderId"], stray_of=None)
    assert payment.needs_attention and "failed 2 refunds" in payment.attention_reason
    assert payment.status == PaymentStatus.CAPTURED  # the money is with us, and staff know it
    assert Booking.objects.get(public_id=order["sessionId"]).money_outcome == MoneyOutcome.REFUND_FAILED
    assert len(_gateway_refunds(sdk, paid["razorpay_payment_id"])) == 2  # no third try once flagged,
    payments_sweep(older_than=timedelta(0))                              # not even by the sweep
    assert len(_gateway_refunds(sdk, paid["razorpay_payment_id"])) == 2
    assert set(Refund.objects.values_list("status", flat=True)) == {RefundStatus.FAILED}
    flagged = admin_client.get("/admin/payments/payment/?needs_attention__exact=1")
    assert flagged.status_code == 200 and order["orderId"] in flagged.content.decode()


def test_a_flagged_refund_made_by_staff_in_the_dashboard_closes_the_case(client, sandbox, sarah, settings, webhooks):
    settings.REFUND_ATTEMPTS = 1
    order, paid = _late_payment_lost(client, sandbox, refund_failures=1, arrive=webhooks)
    assert Payment.objects.get(gateway_order_id=order["orderId"]).needs_attention
    dashboard_refund(sandbox, paid["razorpay_payment_id"])  # staff, by hand; its webhooks tell Serene
    webhooks()
    payment = Payment.objects.get(gateway_order_id=order["orderId"])
    assert payment.status == PaymentStatus.REFUNDED and not payment.needs_attention and payment.attention_reason
    assert Booking.objects.get(public_id=order["sessionId"]).money_outcome == MoneyOutcome.REFUNDED_IN_FULL


def test_a_full_refund_made_in_the_dashboard_cancels_the_booking_via_its_webhook(client, sandbox, sdk, sarah):
    amount, outcome, status = 150000, MoneyOutcome.REFUNDED_IN_FULL, PaymentStatus.REFUNDED
    order, paid = _paid(client, sandbox)  # webhooks on: the booking is confirmed by them
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    dashboard_refund(sandbox, paid["razorpay_payment_id"], amount=amount)
    assert SandboxWebhook.objects.filter(event="refund.created", status="delivered").count() == 1
    assert SandboxWebhook.objects.filter(event="refund.processed", status="delivered").count() == 1
    refund = Refund.objects.get()
    assert refund.external and refund.status == RefundStatus.PROCESSED and refund.amount_minor == amount
    payment = Payment.objects.get()
    assert payment.status == status
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CANCELLED and booking.money_outcome == outcome
    cancelled = booking.events.exclude(from_status=BookingStatus.CANCELLED).get(to_status=BookingStatus.CANCELLED)
    assert (cancelled.actor, cancelled.reason) == (Actor.STAFF, DASHBOARD_REASON)
    assert refund.cancelled_booking
    assert len(_gateway_refunds(sdk, paid["razorpay_payment_id"])) == 1  # nothing more was refunded by us


def test_a_partial_refund_made_in_the_dashboard_is_recorded_and_the_session_stays_on(client, sandbox, sdk, sarah,
                                                                                      webhooks):
    """A ₹100 goodwill refund must not cost the customer the session and the rest of the money; two
    parts that together give back everything cancel it, as one full refund does."""
    order, paid = _paid(client, sandbox)
    webhooks()
    dashboard_refund(sandbox, paid["razorpay_payment_id"], amount=10000)
    webhooks()
    payments_sweep(older_than=timedelta(0))
    refund = Refund.objects.get()
    assert (refund.external, refund.status, refund.amount_minor, refund.cancelled_booking) == (
        True, RefundStatus.PROCESSED, 10000, False)
    payment = Payment.objects.get()
    assert (payment.status, payment.refund_reason, payment.needs_attention) == (
        PaymentStatus.PARTIALLY_REFUNDED, "", False)
    booking = Booking.objects.get()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CONFIRMED, MoneyOutcome.REFUNDED_IN_PART)
    assert booking.events.filter(reason__startswith="₹100 refunded in the Razorpay Dashboard",
                                 to_status=BookingStatus.CONFIRMED).count() == 1
    assert len(_gateway_refunds(sdk, paid["razorpay_payment_id"])) == 1  # Serene gave back nothing more
    # What the customer sees: the session is on, with ₹100 back.
    client.force_login(booking.customer)
    page = client.get(f"/sessions/{booking.public_id}/").content.decode()
    assert "₹100" in page and "Refunded in part" in page and "Cancelled" not in page
    history = client.get("/dashboard/payments/").content.decode()
    assert "₹100" in history
    # The rest, by hand too: now everything went back, and the session is cancelled.
    dashboard_refund(sandbox, paid["razorpay_payment_id"], amount=140000)
    webhooks()
    booking.refresh_from_db()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUNDED_IN_FULL)
    assert Refund.objects.filter(cancelled_booking=True).count() == 1


def test_a_staff_cancellation_worded_like_a_dashboard_refund_still_refunds_a_later_payment(client, sandbox, sarah,
                                                                                          quiet):
    """Only a refund that cancelled the booking makes its money staff's decision, not a reason's wording."""
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    booking = Booking.objects.get(public_id=order["sessionId"])
    staff = UserFactory(is_staff=True)
    booking_cancel_with_refund(booking_id=booking.pk, by=staff, reason=DASHBOARD_REASON)
    assert verify(client, pay(sandbox, order["orderId"])).json()["status"] == BookingStatus.CANCELLED
    booking.refresh_from_db()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUNDED_IN_FULL)
    refund = Refund.objects.get()
    assert (refund.status, refund.amount_minor, refund.external) == (RefundStatus.PROCESSED, 150000, False)


def test_a_dashboard_refund_seen_only_in_a_payment_fetch_is_recorded_too(client, sandbox, sarah, settings):
    order, paid = _paid(client, sandbox)
    assert verify(client, paid).json()["status"] == "confirmed"
    settings.RAZORPAY_SANDBOX_WEBHOOK_DROP = True  # the refund's webhooks are lost
    dashboard_refund(sandbox, paid["razorpay_payment_id"])
    assert Refund.objects.count() == 0
    payment_reconcile(order_id=order["orderId"])  # the payment now shows amount_refunded
    assert Refund.objects.get().external
    booking = Booking.objects.get()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUNDED_IN_FULL)


@pytest.mark.parametrize("amount", [150000, 50000], ids=["full", "part"])
def test_a_dashboard_refund_the_bank_turns_down_at_once_leaves_the_booking_kept(client, sandbox, sdk, sarah, amount,
                                                                                 webhooks):
    """It gave nothing back, so it ends nothing: it used to cancel the booking, and the next event then
    refunded the whole payment as "cancelled before the payment arrived"."""
    order, paid = _paid(client, sandbox)
    webhooks()
    refunds_fail(sandbox, order["orderId"])
    dashboard_refund(sandbox, paid["razorpay_payment_id"], amount=amount)
    webhooks()
    payments_sweep(older_than=timedelta(0))
    refund = Refund.objects.get()
    assert (refund.external, refund.status, refund.amount_minor) == (True, RefundStatus.FAILED, amount)
    booking = Booking.objects.get()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CONFIRMED, MoneyOutcome.NONE)
    payment = Payment.objects.get()
    assert (payment.status, payment.refund_reason, payment.needs_attention) == (PaymentStatus.CAPTURED, "", False)
    assert [item["status"] for item in _gateway_refunds(sdk, paid["razorpay_payment_id"])] == ["failed"]


def test_a_pending_dashboard_refund_is_staffs_decision_until_the_bank_settles_it(client, sandbox, sdk, sarah,
                                                                                  webhooks):
    """Staff gave back part of the money; Serene gives back nothing more, while it is pending or after."""
    order, paid = _paid(client, sandbox)
    webhooks()
    refunds_stay_pending(sandbox, order["orderId"])
    made = dashboard_refund(sandbox, paid["razorpay_payment_id"], amount=50000)
    webhooks()
    booking = Booking.objects.get()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CONFIRMED, MoneyOutcome.REFUND_PENDING)
    assert Refund.objects.get().status == RefundStatus.CREATED
    payments_sweep(older_than=timedelta(0))
    refund_settle(sandbox, made["id"], "processed")
    webhooks()
    payments_sweep(older_than=timedelta(0))
    refund = Refund.objects.get()
    assert (refund.external, refund.status, refund.amount_minor) == (True, RefundStatus.PROCESSED, 50000)
    booking.refresh_from_db()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CONFIRMED, MoneyOutcome.REFUNDED_IN_PART)
    assert Payment.objects.get().refund_reason == ""
    assert [item["id"] for item in _gateway_refunds(sdk, paid["razorpay_payment_id"])] == [made["id"]]


def test_a_dashboard_refund_that_fails_after_cancelling_the_booking_is_flagged_for_staff(client, sandbox, sdk, sarah,
                                                                                         webhooks):
    order, paid = _paid(client, sandbox)
    webhooks()
    refunds_stay_pending(sandbox, order["orderId"])
    made = dashboard_refund(sandbox, paid["razorpay_payment_id"], amount=150000)
    webhooks()
    assert Booking.objects.get().status == BookingStatus.CANCELLED
    refund_settle(sandbox, made["id"], "failed")
    webhooks()
    payments_sweep(older_than=timedelta(0))
    payment = Payment.objects.get()
    assert payment.needs_attention and "₹1,500 made in the Razorpay Dashboard failed" in payment.attention_reason
    assert (payment.status, payment.refund_reason) == (PaymentStatus.CAPTURED, "")  # the money is with us
    booking = Booking.objects.get()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUND_FAILED)
    assert booking.events.filter(money_outcome=MoneyOutcome.REFUND_FAILED, reason=payment.attention_reason).exists()
    assert len(_gateway_refunds(sdk, paid["razorpay_payment_id"])) == 1  # Serene guessed nothing
    # Staff refund it again by hand: the case closes.
    dashboard_refund(sandbox, paid["razorpay_payment_id"], amount=150000)
    webhooks()
    payment.refresh_from_db()
    assert not payment.needs_attention and payment.status == PaymentStatus.REFUNDED
    assert Booking.objects.get().money_outcome == MoneyOutcome.REFUNDED_IN_FULL


@pytest.mark.parametrize("end", ["processed", "failed"])
def test_our_refund_answered_pending_waits_for_the_bank_then_ends(client, sandbox, sdk, sarah, webhooks, end):
    order, paid = _late_payment_lost(client, sandbox, refunds_pending=1, arrive=webhooks)
    [pending] = _gateway_refunds(sdk, paid["razorpay_payment_id"])
    ours = Refund.objects.get()
    assert (ours.gateway_refund_id, ours.status, pending["status"]) == (pending["id"], RefundStatus.CREATED, "pending")
    booking = Booking.objects.get(public_id=order["sessionId"])
    assert booking.money_outcome == MoneyOutcome.REFUND_PENDING
    payments_sweep(older_than=timedelta(0))  # pending is under way: nothing is asked twice
    assert len(_gateway_refunds(sdk, paid["razorpay_payment_id"])) == 1
    refund_settle(sandbox, pending["id"], end)
    webhooks()
    ours.refresh_from_db()
    assert ours.status == end
    assert list(ours.events.values_list("from_status", "to_status")) == [("", "created"), ("created", end)]
    statuses = [item["status"] for item in _gateway_refunds(sdk, paid["razorpay_payment_id"])]
    assert statuses == (["processed"] if end == "processed" else ["failed", "processed"])  # a failed one is retried
    booking.refresh_from_db()
    assert booking.money_outcome == MoneyOutcome.REFUNDED_IN_FULL
    assert Payment.objects.get(gateway_order_id=order["orderId"]).status == PaymentStatus.REFUNDED


def test_the_refund_webhooks_of_our_own_refund_change_nothing_more(client, sandbox, sdk, sarah, webhooks):
    order, paid = _late_payment_lost(client, sandbox, arrive=webhooks)
    sent = list(SandboxWebhook.objects.filter(event__startswith="refund."))
    assert sorted(webhook.event for webhook in sent) == ["refund.created", "refund.processed"]
    webhooks_resend(sent + sent)
    assert WebhookEvent.objects.filter(event_type__startswith="refund.", handled_at__isnull=False).count() == 2
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.PROCESSED and not refund.external
    assert list(refund.events.values_list("from_status", "to_status")) == [("", "created"), ("created", "processed")]
    assert len(_gateway_refunds(sdk, paid["razorpay_payment_id"])) == 1


def test_the_sweep_finishes_a_refund_interrupted_between_its_claim_and_the_gateway(client, sandbox, sdk, sarah,
                                                                                   settings):
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
    settings.RAZORPAY_SANDBOX_WEBHOOK_DROP = True  # the process that asked died: nobody heard of it
    sdk.payment.refund(paid_two["razorpay_payment_id"], {"amount": 150000, "receipt": f"serene-refund-{made_payment.pk}-1"})
    settings.RAZORPAY_SANDBOX_WEBHOOK_DROP = False
    Refund.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    payments_sweep(older_than=timedelta(0))
    lost_claim = Refund.objects.get(payment__gateway_order_id=never_sent["orderId"], receipt__endswith="-1")
    assert lost_claim.status == RefundStatus.FAILED and "never reached" in lost_claim.failure_reason
    assert Refund.objects.get(payment__gateway_order_id=never_sent["orderId"], receipt__endswith="-2").status == "processed"
    matched = Refund.objects.get(payment=made_payment)
    assert matched.status == RefundStatus.PROCESSED and matched.gateway_refund_id and not matched.external
    assert sum(len(_gateway_refunds(sdk, paid["razorpay_payment_id"])) for _, paid in orders) == 2
    assert set(Booking.objects.values_list("money_outcome", flat=True)) == {MoneyOutcome.REFUNDED_IN_FULL}


def test_the_call_log_lists_a_refund_before_what_its_webhooks_caused(client, sandbox, sarah):
    """The emulator sends a refund's webhooks before it answers: the refund call is still logged first."""
    order, paid = _late_payment_lost(client, sandbox)
    operations = list(GatewayCall.objects.filter(payment_id=paid["razorpay_payment_id"]).order_by("at", "id")
                      .values_list("operation", flat=True))
    assert operations.count("payment_refund") == 1 and "payment_refunds" in operations
    assert operations.index("payment_refund") < operations.index("payment_refunds")


def test_every_gateway_call_is_logged_with_what_it_was_about(client, sandbox, sarah, quiet, admin_client):
    """Webhooks are held back here so that the log holds exactly the calls of one path."""
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
