"""The official razorpay SDK against our emulator over HTTP: shapes, states and error bodies."""
import hashlib
import hmac
import json

import pytest
import requests
from razorpay.errors import BadRequestError, SignatureVerificationError

pytestmark = pytest.mark.django_db(transaction=True)


def _pay(sandbox, settings, order_id, **fields):
    body = {"key": settings.RAZORPAY_KEY_ID, "order_id": order_id, "method": "card", "card_number": "4111 1111 1111 1111",
            **fields}
    return requests.post(f"{sandbox.url}/sandbox/razorpay/checkout/pay", json=body, timeout=10).json()


@pytest.fixture(autouse=True)
def no_webhooks(settings):
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False


def test_order_create_and_fetch_have_razorpays_shape(sdk):
    order = sdk.order.create({"amount": 150000, "currency": "INR", "receipt": "booking-1", "notes": {"expertId": "sarah"}})
    assert order["id"].startswith("order_") and len(order["id"]) == 20
    assert {key: order[key] for key in ("entity", "amount", "amount_paid", "amount_due", "currency", "status", "attempts")} == {
        "entity": "order", "amount": 150000, "amount_paid": 0, "amount_due": 150000, "currency": "INR",
        "status": "created", "attempts": 0}
    assert order["notes"] == {"expertId": "sarah"}
    assert sdk.order.fetch(order["id"]) == order
    assert sdk.order.payments(order["id"]) == {"entity": "collection", "count": 0, "items": []}


@pytest.mark.parametrize(("data", "message"), [
    ({"amount": 50, "currency": "INR"}, "The amount must be at least INR 1.00"),
    ({"amount": 100.5, "currency": "INR"}, "The amount must be an integer."),
    ({"amount": 1000, "currency": "INR", "receipt": "x" * 41}, "The receipt may not be greater than 40 characters."),
    ({"amount": 1000, "currency": "INR", "notes": {str(n): n for n in range(16)}}, "Number of notes exceeds the limit of 15."),
    ({"amount": 1000, "currency": "INR", "colour": "blue"}, "colour is/are not required and should not be sent"),
])
def test_order_validation_errors_reach_the_sdk_as_bad_request(sdk, data, message):
    with pytest.raises(BadRequestError, match=message):
        sdk.order.create(data)


def test_error_bodies_are_razorpay_json(sandbox, settings):
    response = requests.post(f"{sandbox.url}/sandbox/razorpay/v1/orders", json={"amount": 5, "currency": "INR"},
                             auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET), timeout=10)
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "BAD_REQUEST_ERROR", "description": "The amount must be at least INR 1.00",
                                         "field": "amount", "source": "business", "step": "payment_initiation",
                                         "reason": "input_validation_failed", "metadata": {}}}
    wrong_key = requests.get(f"{sandbox.url}/sandbox/razorpay/v1/orders/order_x", auth=("rzp_test_wrong", "nope"), timeout=10)
    assert wrong_key.status_code == 401 and wrong_key.json()["error"]["code"] == "BAD_REQUEST_ERROR"
    unknown = requests.get(f"{sandbox.url}/sandbox/razorpay/v1/nothing", timeout=10)
    assert unknown.status_code == 404 and unknown.json()["error"]["description"] == "The requested URL was not found on the server."


def test_checkout_success_is_signed_like_razorpay_and_auto_captured(sdk, sandbox, settings):
    order = sdk.order.create({"amount": 150000, "currency": "INR", "receipt": "booking-2"})
    result = _pay(sandbox, settings, order["id"])
    expected = hmac.new(settings.RAZORPAY_KEY_SECRET.encode(), f"{order['id']}|{result['razorpay_payment_id']}".encode(),
                        hashlib.sha256).hexdigest()
    assert result["razorpay_signature"] == expected
    assert sdk.utility.verify_payment_signature(result) is True
    payment = sdk.payment.fetch(result["razorpay_payment_id"])
    assert (payment["status"], payment["captured"], payment["amount"], payment["order_id"]) == ("captured", True, 150000, order["id"])
    assert payment["card"]["last4"] == "1111"
    order_after = sdk.order.fetch(order["id"])
    assert (order_after["status"], order_after["amount_paid"], order_after["attempts"]) == ("paid", 150000, 1)
    with pytest.raises(SignatureVerificationError):
        sdk.utility.verify_payment_signature({**result, "razorpay_signature": "0" * 64})


def test_failure_card_then_success_on_the_same_order(sdk, sandbox, settings):
    order = sdk.order.create({"amount": 75000, "currency": "INR"})
    failed = _pay(sandbox, settings, order["id"], card_number="4100 2800 0006 0003")
    assert failed["error"]["reason"] == "card_declined" and failed["error"]["code"] == "BAD_REQUEST_ERROR"
    assert failed["error"]["metadata"]["order_id"] == order["id"]
    failed_payment = sdk.payment.fetch(failed["error"]["metadata"]["payment_id"])
    assert failed_payment["status"] == "failed" and failed_payment["error_reason"] == "card_declined"
    assert sdk.order.fetch(order["id"])["status"] == "attempted"
    success = _pay(sandbox, settings, order["id"], method="upi", vpa="success@razorpay")
    assert "razorpay_payment_id" in success
    assert [p["status"] for p in sdk.order.payments(order["id"])["items"]] == ["failed", "captured"]
    again = _pay(sandbox, settings, order["id"])
    assert again["error"]["description"] == "Your payment has been declined as the order is already paid."


def test_upi_failure(sdk, sandbox, settings):
    order = sdk.order.create({"amount": 75000, "currency": "INR"})
    assert _pay(sandbox, settings, order["id"], method="upi", vpa="failure@razorpay")["error"]["reason"] == "payment_failed"


def test_manual_capture_and_its_rules(sdk, sandbox, settings):
    order = sdk.order.create({"amount": 90000, "currency": "INR", "payment": {"capture": "manual",
                              "capture_options": {"manual_expiry_period": 7200}}})
    payment_id = _pay(sandbox, settings, order["id"])["razorpay_payment_id"]
    assert sdk.payment.fetch(payment_id)["status"] == "authorized"
    with pytest.raises(BadRequestError, match="Capture amount must be equal to the amount authorized."):
        sdk.payment.capture(payment_id, 100, {"currency": "INR"})
    captured = sdk.payment.capture(payment_id, 90000, {"currency": "INR"})
    assert captured["status"] == "captured" and captured["captured"] is True
    with pytest.raises(BadRequestError, match="This payment has already been captured."):
        sdk.payment.capture(payment_id, 90000, {"currency": "INR"})


def test_refunds_partial_then_full_then_refused(sdk, sandbox, settings):
    order = sdk.order.create({"amount": 150000, "currency": "INR"})
    payment_id = _pay(sandbox, settings, order["id"])["razorpay_payment_id"]
    partial = sdk.payment.refund(payment_id, {"amount": 50000, "speed": "normal"})
    assert partial["id"].startswith("rfnd_") and (partial["amount"], partial["status"]) == (50000, "processed")
    payment = sdk.payment.fetch(payment_id)
    assert (payment["status"], payment["refund_status"], payment["amount_refunded"]) == ("captured", "partial", 50000)
    with pytest.raises(BadRequestError, match="The refund amount provided is greater than amount captured."):
        sdk.payment.refund(payment_id, {"amount": 150000})
    sdk.payment.refund(payment_id, {})
    payment = sdk.payment.fetch(payment_id)
    assert (payment["status"], payment["refund_status"]) == ("refunded", "full")
    with pytest.raises(BadRequestError, match="The payment has been fully refunded already."):
        sdk.payment.refund(payment_id, {"amount": 100})
    refunds = sdk.payment.fetch_multiple_refund(payment_id)
    assert refunds["count"] == 2
    assert sdk.refund.fetch(partial["id"])["payment_id"] == payment_id
    assert sdk.order.fetch(order["id"])["status"] == "paid"  # an order stays paid after refunds


def test_unknown_ids_are_bad_requests(sdk):
    with pytest.raises(BadRequestError, match="The id provided does not exist"):
        sdk.payment.fetch("pay_DoesNotExist12")


def test_webhooks_are_signed_over_the_raw_body(settings):
    from serene.payments.sandbox.services import webhook_body, webhook_signature
    body = webhook_body("payment.failed")
    assert webhook_signature(body) == hmac.new(settings.RAZORPAY_WEBHOOK_SECRET.encode(), body.encode(),
                                               hashlib.sha256).hexdigest()
    assert json.loads(body)["entity"] == "event"
