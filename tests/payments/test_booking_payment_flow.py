"""The money paths end to end: our API, the official SDK over HTTP, the emulator and its webhooks."""
import json
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.bookings.moves import bookings_complete_finished
from serene.payments.models import Payment, PaymentStatus, Refund, WebhookEvent
from serene.payments.sandbox.models import SandboxOrder, SandboxPayment, SandboxWebhook
from serene.payments.sandbox.services import webhook_signature
from serene.payments.reconciliation import payment_reconcile
from tests.bookings.helpers import at, next_weekday
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _order(client, *, starts, duration=60, amount=None, expert="sarah"):
    body = {"currency": "INR", "duration": duration, "startsAt": starts.isoformat(), "notes": {"expertId": expert}}
    if amount is not None:
        body["amount"] = amount
    return client.post("/api/v1/payments/create-order", data=json.dumps(body), content_type="application/json")


def _pay(sandbox, settings, order_id, card="4111 1111 1111 1111"):
    return requests.post(f"{sandbox.url}/sandbox/razorpay/checkout/pay", timeout=30, json={
        "key": settings.RAZORPAY_KEY_ID, "order_id": order_id, "method": "card", "card_number": card}).json()


def _verify(client, result):
    return client.post("/api/v1/payments/verify", data=json.dumps(result), content_type="application/json")


def _deliver(client, webhook):
    return client.post("/api/v1/payments/webhook", data=webhook.body, content_type="application/json",
                       HTTP_X_RAZORPAY_SIGNATURE=webhook_signature(webhook.body), HTTP_X_RAZORPAY_EVENT_ID=webhook.event_id)


def test_pay_verify_and_report_the_session(client, sandbox, settings, sarah, quiet):
    customer = UserFactory(time_zone="Europe/London")
    client.force_login(customer)
    start = at(next_weekday(), 10)
    response = _order(client, starts=start, amount=1500)
    assert response.status_code == 200, response.content
    order = response.json()
    assert (order["amount"], order["amountMinor"], order["currency"], order["keyId"]) == (1500, 150000, "INR", settings.RAZORPAY_KEY_ID)
    assert SandboxOrder.objects.get(id=order["orderId"]).receipt == order["sessionId"]

    result = _pay(sandbox, settings, order["orderId"])
    verified = _verify(client, result)
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "confirmed" and verified.json()["sessionId"] == order["sessionId"]
    booking = Booking.objects.get(public_id=order["sessionId"])
    assert booking.status == BookingStatus.CONFIRMED
    payment = Payment.objects.get()
    assert (payment.status, payment.gateway_payment_id) == (PaymentStatus.CAPTURED, result["razorpay_payment_id"])

    session = {"expertId": "sarah", "scheduledDate": start.date().isoformat(), "scheduledTime": "10:00", "duration": 60,
               "paymentId": result["razorpay_payment_id"]}
    first = client.post("/api/v1/sessions", data=json.dumps(session), content_type="application/json")
    again = client.post("/api/v1/sessions", data=json.dumps(session), content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200), first.content
    shown = client.get(f"/api/v1/sessions/{order['sessionId']}").json()["session"]
    assert {key: shown[key] for key in ("scheduledDate", "scheduledTime", "duration", "amount", "paymentId", "status")} == {
        "scheduledDate": start.date().isoformat(), "scheduledTime": "10:00", "duration": 60, "amount": 1500,
        "paymentId": result["razorpay_payment_id"], "status": "confirmed"}
    assert shown["expert"]["name"] == sarah.name and shown["customerTimezone"] == "Europe/London"

    client.force_login(sarah.user)
    assert client.get(f"/api/v1/sessions/{order['sessionId']}").status_code == 200
    client.force_login(UserFactory())
    assert client.get(f"/api/v1/sessions/{order['sessionId']}").status_code == 404
    bad = client.post("/api/v1/sessions", data=json.dumps(session), content_type="application/json")
    assert bad.status_code == 400


def test_repeating_create_order_returns_the_same_hold_and_order(client, sandbox, sarah, quiet):
    client.force_login(UserFactory())
    start = at(next_weekday(), 11)
    first, second = _order(client, starts=start).json(), _order(client, starts=start).json()
    assert (first["orderId"], first["sessionId"]) == (second["orderId"], second["sessionId"])
    assert SandboxOrder.objects.count() == 1 and Booking.objects.count() == 1


def test_a_taken_slot_is_409_before_any_money_moves(client, sandbox, sarah, quiet):
    start = at(next_weekday(), 12)
    client.force_login(UserFactory())
    assert _order(client, starts=start).status_code == 200
    client.force_login(UserFactory())
    response = _order(client, starts=start + timedelta(minutes=30), duration=30)
    assert response.status_code == 409 and response.json()["error"]["code"] == "slot_taken"
    assert SandboxOrder.objects.count() == 1


def test_a_tampered_amount_is_refused_and_holds_nothing(client, sandbox, sarah, quiet):
    client.force_login(UserFactory())
    response = _order(client, starts=at(next_weekday(), 10), amount=1)
    assert response.status_code == 400 and response.json()["error"]["code"] == "amount_mismatch"
    assert Booking.objects.count() == 0 and SandboxOrder.objects.count() == 0


@pytest.mark.parametrize("body", [{}, {"duration": 60}, {"duration": 60, "notes": {"expertId": "sarah"}},
                                  {"duration": 60, "notes": {"expertId": "sarah"}, "startsAt": "tomorrow"},
                                  {"duration": 45, "notes": {"expertId": "sarah"}, "startsAt": "2030-01-01T10:00:00Z"},
                                  {"duration": 60, "notes": {"expertId": "nobody"}, "startsAt": "2030-01-01T10:00:00Z"}])
def test_bad_create_order_bodies_are_4xx(client, sandbox, sarah, body):
    client.force_login(UserFactory())
    response = client.post("/api/v1/payments/create-order", data=json.dumps(body), content_type="application/json")
    assert 400 <= response.status_code < 500 and response.json()["success"] is False


def test_create_order_needs_a_signed_in_customer(client, sandbox, sarah):
    assert _order(client, starts=at(next_weekday(), 10)).status_code == 401


def test_a_forged_signature_is_rejected_and_changes_nothing(client, sandbox, settings, sarah, quiet):
    client.force_login(UserFactory())
    order = _order(client, starts=at(next_weekday(), 10)).json()
    result = _pay(sandbox, settings, order["orderId"])
    response = _verify(client, {**result, "razorpay_signature": "f" * 64})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_signature"
    assert Booking.objects.get().status == BookingStatus.PENDING
    assert Payment.objects.get().status == PaymentStatus.CREATED
    other_payment = _verify(client, {**result, "razorpay_payment_id": "pay_SomeoneElses12"})
    assert other_payment.status_code == 400


def test_duplicated_and_reordered_webhooks_then_verify_confirm_once(client, sandbox, settings, sarah):
    """In sequence: every webhook twice, newest first, then verify. The races of verify against the
    webhooks (paused at a chosen point, and as a storm) are in test_interleavings.py."""
    settings.RAZORPAY_SANDBOX_WEBHOOK_DUPLICATE = True
    settings.RAZORPAY_SANDBOX_WEBHOOK_REORDER = True
    client.force_login(UserFactory())
    order = _order(client, starts=at(next_weekday(), 10)).json()
    result = _pay(sandbox, settings, order["orderId"])  # the emulator delivers 3 events twice, newest first
    assert _verify(client, result).json()["status"] == "confirmed"
    assert SandboxWebhook.objects.filter(status="delivered").count() == 3
    assert WebhookEvent.objects.count() == 3
    assert WebhookEvent.objects.filter(handled_at__isnull=False).count() == 3
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1
    assert Payment.objects.count() == 1 and Payment.objects.get().status == PaymentStatus.CAPTURED
    assert Refund.objects.count() == 0


def test_webhook_alone_confirms_when_the_tab_was_closed(client, sandbox, settings, sarah):
    client.force_login(UserFactory())
    order = _order(client, starts=at(next_weekday(), 10)).json()
    _pay(sandbox, settings, order["orderId"])  # no verify: the customer closed the tab
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_webhooks_with_a_bad_signature_or_no_event_id_are_refused(client, sandbox, sarah, quiet):
    body = json.dumps({"event": "payment.captured", "payload": {}})
    bad = client.post("/api/v1/payments/webhook", data=body, content_type="application/json",
                      HTTP_X_RAZORPAY_SIGNATURE="0" * 64, HTTP_X_RAZORPAY_EVENT_ID="evt_1")
    assert bad.status_code == 400 and WebhookEvent.objects.count() == 0
    no_id = client.post("/api/v1/payments/webhook", data=body, content_type="application/json",
                        HTTP_X_RAZORPAY_SIGNATURE=webhook_signature(body))
    assert no_id.status_code == 400


def test_a_failed_payment_changes_no_booking_and_a_retry_on_the_same_order_books(client, sandbox, settings, sarah, quiet):
    client.force_login(UserFactory())
    order = _order(client, starts=at(next_weekday(), 10)).json()
    failed = _pay(sandbox, settings, order["orderId"], card="4100 2800 0008 0001")
    assert failed["error"]["reason"] == "insufficient_fund"
    for webhook in SandboxWebhook.objects.all():
        assert _deliver(client, webhook).status_code == 200
    assert Booking.objects.get().status == BookingStatus.PENDING
    assert Payment.objects.get().error_code == "insufficient_fund"
    result = _pay(sandbox, settings, order["orderId"])
    assert _verify(client, result).json()["status"] == "confirmed"


def test_late_payment_confirms_when_the_slot_is_still_free(client, sandbox, settings, sarah, quiet):
    client.force_login(UserFactory())
    order = _order(client, starts=at(next_weekday(), 10)).json()
    Booking.objects.update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    result = _pay(sandbox, settings, order["orderId"])
    assert _verify(client, result).json()["status"] == "confirmed"


def test_late_payment_for_a_taken_slot_is_refunded_in_full(client, sandbox, settings, sarah, quiet):
    start = at(next_weekday(), 10)
    client.force_login(UserFactory())
    order = _order(client, starts=start).json()
    Booking.objects.update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    rival = UserFactory()
    client.force_login(rival)
    assert _order(client, starts=start, duration=30).status_code == 200  # the rival holds the time now
    client.force_login(Booking.objects.get(public_id=order["sessionId"]).customer)
    result = _pay(sandbox, settings, order["orderId"])
    verified = _verify(client, result).json()
    assert verified["status"] == "expired" and "refunded the full amount" in verified["message"]
    refund = Refund.objects.get()
    assert refund.amount_minor == 150000
    assert Payment.objects.get(gateway_order_id=order["orderId"]).status == PaymentStatus.REFUNDED
    assert SandboxPayment.objects.get(id=result["razorpay_payment_id"]).status == "refunded"
    # A second notice of the same payment does not refund twice.
    payment_reconcile(order_id=order["orderId"])
    assert Refund.objects.count() == 1


def test_reconciliation_books_after_a_dropped_webhook_and_a_closed_tab(client, sandbox, settings, sarah):
    settings.RAZORPAY_SANDBOX_WEBHOOK_DROP = True
    client.force_login(UserFactory())
    order = _order(client, starts=at(next_weekday(), 10)).json()
    _pay(sandbox, settings, order["orderId"])
    assert Booking.objects.get().status == BookingStatus.PENDING
    assert WebhookEvent.objects.count() == 0
    payment_reconcile(order_id=order["orderId"])
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    assert Payment.objects.get().status == PaymentStatus.CAPTURED


def test_success_page_and_receipt_are_the_customers_alone(client, sandbox, settings, sarah, quiet):
    owner = UserFactory()
    client.force_login(owner)
    order = _order(client, starts=at(next_weekday(), 10)).json()
    assert client.get(f"/booking/{order['sessionId']}/receipt.pdf").status_code == 404  # not paid yet
    result = _pay(sandbox, settings, order["orderId"])
    _verify(client, result)
    success = client.get(f"/booking/success?sessionId={order['sessionId']}&paymentId={result['razorpay_payment_id']}")
    assert success.status_code == 200 and "Your session is booked" in success.content.decode()
    assert client.get(f"/booking/{order['sessionId']}/receipt.pdf").content.startswith(b"%PDF")
    for stranger in (UserFactory(), sarah.user):
        client.force_login(stranger)
        assert client.get(f"/booking/success?sessionId={order['sessionId']}").status_code == 404
        assert client.get(f"/booking/{order['sessionId']}/receipt.pdf").status_code == 404
    client.force_login(sarah.user)  # the expert may add the session to a calendar
    assert client.get(f"/booking/{order['sessionId']}/calendar.ics").status_code == 200
    assert client.get("/booking/success?sessionId=not-a-uuid").status_code == 404


def test_the_sweep_settles_a_refund_interrupted_by_a_crash_and_an_unseen_capture(client, sandbox, settings, sarah):
    """A captured late payment whose refund never happened, and an order paid with every webhook lost."""
    from django.core.management import call_command

    settings.RAZORPAY_SANDBOX_WEBHOOK_DROP = True
    start = at(next_weekday(), 10)
    client.force_login(UserFactory())
    late = _order(client, starts=start).json()
    paid = _pay(sandbox, settings, late["orderId"])
    # As if the process died after recording the capture of a late payment and before refunding it:
    Booking.objects.filter(public_id=late["sessionId"]).update(status=BookingStatus.EXPIRED, hold_expires_at=None,
                                                               money_outcome=MoneyOutcome.REFUND_PENDING)
    Payment.objects.filter(gateway_order_id=late["orderId"]).update(status=PaymentStatus.CAPTURED,
                                                                   gateway_payment_id=paid["razorpay_payment_id"])
    client.force_login(UserFactory())
    assert _order(client, starts=start, duration=30).status_code == 200  # someone else holds the time now

    client.force_login(UserFactory())
    unseen = _order(client, starts=at(next_weekday(), 14)).json()
    _pay(sandbox, settings, unseen["orderId"])
    Booking.objects.filter(public_id=unseen["sessionId"]).update(hold_expires_at=timezone.now() - timedelta(minutes=5))

    call_command("reconcile_payments", stdout=open("/dev/null", "w"))
    assert Refund.objects.get().payment.gateway_order_id == late["orderId"]
    assert Booking.objects.get(public_id=unseen["sessionId"]).status == BookingStatus.CONFIRMED
    call_command("reconcile_payments", stdout=open("/dev/null", "w"))  # a second sweep changes nothing
    assert Refund.objects.count() == 1


def test_a_paid_session_that_has_ended_is_still_reported_and_shown_as_booked(client, sandbox, settings, sarah, quiet):
    """Completed is a kept booking (the lifecycle's PAID_AND_KEPT_STATUSES): the money paid for it."""
    client.force_login(UserFactory())
    start = at(next_weekday(), 10)
    order = _order(client, starts=start).json()
    result = _pay(sandbox, settings, order["orderId"])
    assert _verify(client, result).json()["status"] == "confirmed"
    booking = Booking.objects.get(public_id=order["sessionId"])
    assert bookings_complete_finished(now=booking.ends_at + timedelta(minutes=1)) == 1

    session = {"expertId": "sarah", "scheduledDate": start.date().isoformat(), "scheduledTime": "10:00", "duration": 60,
               "paymentId": result["razorpay_payment_id"]}
    reported = client.post("/api/v1/sessions", data=json.dumps(session), content_type="application/json")
    assert reported.status_code == 201, reported.content
    assert reported.json()["status"] == BookingStatus.COMPLETED
    page = client.get(f"/booking/success?sessionId={order['sessionId']}").content.decode()
    assert "Your session is booked" in page and "We could not keep this time" not in page
    assert "Add to calendar" not in page  # it is over
