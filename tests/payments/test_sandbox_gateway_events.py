"""The emulator makes rare gateway events on demand, in Razorpay's shapes, seen through the official
SDK over HTTP: a refund that fails (once, then a retry passes), a second capture on a paid order, a
payment that disagrees with its order, and a refund made in the Razorpay Dashboard."""
import json
import threading

import pytest
import requests
from razorpay.errors import BadRequestError

from serene.payments.sandbox.models import SandboxWebhook
from serene.payments.sandbox.services import webhook_signature

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def recorded_webhooks(settings):
    """Webhooks are recorded as they would be sent, not sent: each test reads what Serene would get."""
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False


def _post(sandbox, settings, path, body, *, auth=True):
    return requests.post(f"{sandbox.url}/sandbox/razorpay/{path}", json=body, timeout=10,
                         auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET) if auth else None)


def _paid_order(sdk, sandbox, settings, amount=150000):
    order = sdk.order.create({"amount": amount, "currency": "INR"})
    result = requests.post(f"{sandbox.url}/sandbox/razorpay/checkout/pay", timeout=10, json={
        "key": settings.RAZORPAY_KEY_ID, "order_id": order["id"], "method": "card",
        "card_number": "4111 1111 1111 1111"}).json()
    return order, result["razorpay_payment_id"]


def _events_after(sdk, settings, mark: int) -> list[dict]:
    """Webhooks recorded after `mark`, each checked against the webhook secret as Serene checks it."""
    events = []
    for webhook in SandboxWebhook.objects.filter(pk__gt=mark).order_by("pk"):
        assert sdk.utility.verify_webhook_signature(webhook.body, webhook_signature(webhook.body),
                                                    settings.RAZORPAY_WEBHOOK_SECRET)
        events.append(json.loads(webhook.body))
    return events


def _mark() -> int:
    last = SandboxWebhook.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_one_refund_fails_and_the_retry_is_processed(sdk, sandbox, settings):
    order, payment_id = _paid_order(sdk, sandbox, settings)
    armed = _post(sandbox, settings, f"simulate/orders/{order['id']}/refund-failures", {"count": 1})
    assert armed.status_code == 200 and armed.json() == {"order_id": order["id"], "refund_failures_left": 1}
    mark = _mark()

    first = sdk.payment.refund(payment_id, {"amount": 150000, "speed": "normal", "receipt": "refund-1",
                                            "notes": {"reason": "slot taken"}})
    assert {key: first[key] for key in ("entity", "amount", "currency", "payment_id", "receipt", "status",
                                        "speed_processed", "speed_requested")} == {
        "entity": "refund", "amount": 150000, "currency": "INR", "payment_id": payment_id, "receipt": "refund-1",
        "status": "pending", "speed_processed": "normal", "speed_requested": "normal"}
    assert first["id"].startswith("rfnd_") and first["notes"] == {"reason": "slot taken"}
    assert sdk.refund.fetch(first["id"])["status"] == "failed"
    payment = sdk.payment.fetch(payment_id)
    assert (payment["status"], payment["amount_refunded"], payment["refund_status"]) == ("captured", 0, None)

    created, failed = _events_after(sdk, settings, mark)
    assert (created["event"], failed["event"]) == ("refund.created", "refund.failed")
    assert created["contains"] == failed["contains"] == ["refund", "payment"]
    assert created["payload"]["refund"]["entity"]["status"] == "pending"
    assert created["payload"]["payment"]["entity"]["amount_refunded"] == 150000
    assert failed["payload"]["refund"]["entity"] == {**first, "status": "failed"}
    assert failed["payload"]["payment"]["entity"]["amount_refunded"] == 0

    mark = _mark()
    retry = sdk.payment.refund(payment_id, {"amount": 150000, "speed": "normal", "receipt": "refund-1"})
    assert retry["status"] == "processed" and retry["id"] != first["id"]
    payment = sdk.payment.fetch(payment_id)
    assert (payment["status"], payment["amount_refunded"], payment["refund_status"]) == ("refunded", 150000, "full")
    assert [event["event"] for event in _events_after(sdk, settings, mark)] == ["refund.created", "refund.processed"]
    assert [item["status"] for item in sdk.payment.fetch_multiple_refund(payment_id)["items"]] == ["failed", "processed"]


def test_the_switch_fails_every_refund_until_it_is_turned_off(sdk, sandbox, settings):
    _, payment_id = _paid_order(sdk, sandbox, settings)
    settings.RAZORPAY_SANDBOX_REFUNDS_FAIL = True
    for _ in range(2):
        refund = sdk.payment.refund(payment_id, {"amount": 50000})
        assert sdk.refund.fetch(refund["id"])["status"] == "failed"
    assert sdk.payment.fetch(payment_id)["amount_refunded"] == 0
    settings.RAZORPAY_SANDBOX_REFUNDS_FAIL = False
    assert sdk.payment.refund(payment_id, {"amount": 50000})["status"] == "processed"
    assert sdk.payment.fetch(payment_id)["refund_status"] == "partial"


def test_refunds_that_succeed_send_created_then_processed(sdk, sandbox, settings):
    _, payment_id = _paid_order(sdk, sandbox, settings)
    mark = _mark()
    refund = sdk.payment.refund(payment_id, {"amount": 40000})
    created, processed = _events_after(sdk, settings, mark)
    assert (created["event"], processed["event"]) == ("refund.created", "refund.processed")
    assert created["payload"]["refund"]["entity"] == processed["payload"]["refund"]["entity"] == refund


@pytest.mark.parametrize(("body", "message"), [
    ({"count": -1}, "count must be a whole number from 0 to 100."),
    ({"count": "1"}, "count must be a whole number from 0 to 100."),
    ({"count": True}, "count must be a whole number from 0 to 100."),
    ({"count": 1, "colour": "red"}, "colour is/are not required and should not be sent"),
])
def test_refund_failures_control_refuses_bad_input(sdk, sandbox, settings, body, message):
    order = sdk.order.create({"amount": 10000, "currency": "INR"})
    response = _post(sandbox, settings, f"simulate/orders/{order['id']}/refund-failures", body)
    assert response.status_code == 400 and response.json()["error"]["description"] == message


def test_emulator_controls_need_the_key_pair_and_a_known_order(sandbox, settings):
    anonymous = _post(sandbox, settings, "simulate/orders/order_Unknown0000001/pay", {}, auth=False)
    assert anonymous.status_code == 401
    unknown = _post(sandbox, settings, "simulate/orders/order_Unknown0000001/pay", {})
    assert unknown.status_code == 400 and unknown.json()["error"]["description"] == "The id provided does not exist"
    wrong_method = requests.get(f"{sandbox.url}/sandbox/razorpay/dashboard/payments/pay_x/refund", timeout=10,
                                auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET))
    assert wrong_method.status_code == 404


def test_a_second_captured_payment_on_a_paid_order(sdk, sandbox, settings):
    order, first_id = _paid_order(sdk, sandbox, settings)
    mark = _mark()
    second = _post(sandbox, settings, f"simulate/orders/{order['id']}/pay", {"email": "asha@example.test"}).json()
    assert sdk.utility.verify_payment_signature(second) is True
    assert second["razorpay_order_id"] == order["id"] and second["razorpay_payment_id"] != first_id
    payments = sdk.order.payments(order["id"])["items"]
    assert [(item["id"], item["status"], item["amount"]) for item in payments] == [
        (first_id, "captured", 150000), (second["razorpay_payment_id"], "captured", 150000)]
    fetched = sdk.order.fetch(order["id"])
    assert (fetched["status"], fetched["attempts"], fetched["amount_due"]) == ("paid", 2, 0)
    events = _events_after(sdk, settings, mark)
    assert [event["event"] for event in events] == ["payment.authorized", "payment.captured"]  # order.paid came once
    assert {event["payload"]["payment"]["entity"]["id"] for event in events} == {second["razorpay_payment_id"]}
    refused = requests.post(f"{sandbox.url}/sandbox/razorpay/checkout/pay", timeout=10, json={
        "key": settings.RAZORPAY_KEY_ID, "order_id": order["id"], "method": "card",
        "card_number": "4111 1111 1111 1111"}).json()
    assert refused["error"]["reason"] == "order_already_paid"  # the real Checkout still refuses


def test_a_captured_payment_that_differs_from_its_order(sdk, sandbox, settings):
    order = sdk.order.create({"amount": 150000, "currency": "INR"})
    mark = _mark()
    result = _post(sandbox, settings, f"simulate/orders/{order['id']}/pay", {"amount": 100000, "currency": "USD"})
    assert result.status_code == 200, result.content
    payment = sdk.payment.fetch(result.json()["razorpay_payment_id"])
    assert (payment["order_id"], payment["amount"], payment["currency"], payment["status"]) == (
        order["id"], 100000, "USD", "captured")
    events = _events_after(sdk, settings, mark)
    assert [event["event"] for event in events] == ["payment.authorized", "payment.captured", "order.paid"]
    assert events[-1]["payload"]["order"]["entity"]["amount"] == 150000
    assert events[-1]["payload"]["payment"]["entity"]["amount"] == 100000
    bad = _post(sandbox, settings, f"simulate/orders/{order['id']}/pay", {"currency": "usd"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "currency"
    for amount in (5, 10**20, 1.5):
        refused = _post(sandbox, settings, f"simulate/orders/{order['id']}/pay", {"amount": amount})
        assert refused.status_code == 400 and refused.json()["error"]["field"] == "amount"


def test_a_refund_made_in_the_dashboard(sdk, sandbox, settings):
    _, payment_id = _paid_order(sdk, sandbox, settings)
    mark = _mark()
    response = _post(sandbox, settings, f"dashboard/payments/{payment_id}/refund",
                     {"amount": 50000, "notes": {"comment": "goodwill, by phone"}})
    assert response.status_code == 200, response.content
    refund = response.json()
    assert (refund["entity"], refund["amount"], refund["status"], refund["payment_id"]) == (
        "refund", 50000, "processed", payment_id)
    payment = sdk.payment.fetch(payment_id)
    assert (payment["status"], payment["amount_refunded"], payment["refund_status"]) == ("captured", 50000, "partial")
    events = _events_after(sdk, settings, mark)
    assert [event["event"] for event in events] == ["refund.created", "refund.processed"]
    assert events[-1]["payload"]["payment"]["entity"]["amount_refunded"] == 50000
    assert [item["id"] for item in sdk.payment.fetch_multiple_refund(payment_id)["items"]] == [refund["id"]]

    rest = _post(sandbox, settings, f"dashboard/payments/{payment_id}/refund", {}).json()
    assert rest["amount"] == 100000
    payment = sdk.payment.fetch(payment_id)
    assert (payment["status"], payment["amount_refunded"], payment["refund_status"]) == ("refunded", 150000, "full")
    with pytest.raises(BadRequestError, match="The payment has been fully refunded already."):
        sdk.payment.refund(payment_id, {"amount": 100})
    with_receipt = _post(sandbox, settings, f"dashboard/payments/{payment_id}/refund", {"receipt": "x"})
    assert with_receipt.status_code == 400 and with_receipt.json()["error"]["field"] == "receipt"


def test_refunds_of_two_payments_at_once_with_one_failure_armed_fail_exactly_one(sdk, sandbox, settings):
    order, first_id = _paid_order(sdk, sandbox, settings)
    second_id = _post(sandbox, settings, f"simulate/orders/{order['id']}/pay", {}).json()["razorpay_payment_id"]
    _post(sandbox, settings, f"simulate/orders/{order['id']}/refund-failures", {"count": 1})
    barrier = threading.Barrier(2)
    answers = []

    def refund(payment_id):
        barrier.wait()
        answers.append(_post(sandbox, settings, f"v1/payments/{payment_id}/refund", {}).json())

    threads = [threading.Thread(target=refund, args=(payment_id,)) for payment_id in (first_id, second_id)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(sdk.refund.fetch(answer["id"])["status"] for answer in answers) == ["failed", "processed"]
    assert sorted(sdk.payment.fetch(payment_id)["amount_refunded"] for payment_id in (first_id, second_id)) == [0, 150000]


@pytest.mark.parametrize("outcome, refunded", [("processed", 150000), ("failed", 0)])
def test_a_refund_that_stays_pending_until_the_bank_settles_it(sdk, sandbox, settings, outcome, refunded):
    order, payment_id = _paid_order(sdk, sandbox, settings)
    armed = _post(sandbox, settings, f"simulate/orders/{order['id']}/refunds-pending", {"count": 1})
    assert armed.status_code == 200 and armed.json() == {"order_id": order["id"], "refunds_pending_left": 1}
    mark = _mark()
    refund = sdk.payment.refund(payment_id, {"amount": 150000, "receipt": "refund-1"})
    assert refund["status"] == "pending" and sdk.refund.fetch(refund["id"])["status"] == "pending"
    payment = sdk.payment.fetch(payment_id)  # a pending refund counts as refunded, as at Razorpay
    assert (payment["status"], payment["amount_refunded"]) == ("refunded", 150000)
    [created] = _events_after(sdk, settings, mark)
    assert created["event"] == "refund.created" and created["payload"]["refund"]["entity"] == refund

    mark = _mark()
    settled = _post(sandbox, settings, f"simulate/refunds/{refund['id']}/settle", {"status": outcome})
    assert settled.status_code == 200 and settled.json() == {**refund, "status": outcome}
    assert sdk.refund.fetch(refund["id"])["status"] == outcome
    assert sdk.payment.fetch(payment_id)["amount_refunded"] == refunded
    [event] = _events_after(sdk, settings, mark)
    assert event["event"] == f"refund.{outcome}" and event["payload"]["refund"]["entity"]["status"] == outcome
    assert event["payload"]["payment"]["entity"]["amount_refunded"] == refunded
    again = _post(sandbox, settings, f"simulate/refunds/{refund['id']}/settle", {"status": "processed"})
    assert again.status_code == 400 and again.json()["error"]["reason"] == "refund_not_pending"
    if outcome == "failed":  # the money is back with the merchant: it can be refunded again
        assert sdk.payment.refund(payment_id, {"amount": 150000})["status"] == "processed"
    else:
        with pytest.raises(BadRequestError, match="fully refunded already"):
            sdk.payment.refund(payment_id, {"amount": 100})


@pytest.mark.parametrize(("body", "field"), [({"status": "done"}, "status"), ({}, "status"),
                                             ({"status": "failed", "why": "x"}, "why")])
def test_settling_a_refund_refuses_bad_input(sdk, sandbox, settings, body, field):
    order, payment_id = _paid_order(sdk, sandbox, settings)
    _post(sandbox, settings, f"simulate/orders/{order['id']}/refunds-pending", {"count": 1})
    refund = sdk.payment.refund(payment_id, {"amount": 1000})
    response = _post(sandbox, settings, f"simulate/refunds/{refund['id']}/settle", body)
    assert response.status_code == 400 and response.json()["error"]["field"] == field
    unknown = _post(sandbox, settings, "simulate/refunds/rfnd_Unknown000001/settle", {"status": "failed"})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "id"
    assert sdk.refund.fetch(refund["id"])["status"] == "pending"


def test_a_pending_refund_settled_twice_at_once_is_settled_once(sdk, sandbox, settings):
    order, payment_id = _paid_order(sdk, sandbox, settings)
    _post(sandbox, settings, f"simulate/orders/{order['id']}/refunds-pending", {"count": 1})
    refund = sdk.payment.refund(payment_id, {"amount": 150000})
    mark = _mark()
    barrier = threading.Barrier(2)
    answers = []

    def settle():
        barrier.wait()
        answers.append(_post(sandbox, settings, f"simulate/refunds/{refund['id']}/settle", {"status": "failed"}))

    threads = [threading.Thread(target=settle) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answer.status_code for answer in answers) == [200, 400]
    assert sdk.payment.fetch(payment_id)["amount_refunded"] == 0  # given back once, not twice
    assert [event["event"] for event in _events_after(sdk, settings, mark)] == ["refund.failed"]
