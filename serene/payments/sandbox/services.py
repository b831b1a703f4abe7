"""The Razorpay emulator's rules: validation, the order/payment/refund state machine, test
cards, signatures and webhooks, following Razorpay's documented behaviour."""
from __future__ import annotations

import hashlib
import hmac
import json
import re

from django.conf import settings
from django.db import transaction

from .models import SandboxOrder, SandboxPayment, SandboxRefund, SandboxWebhook, gateway_id, unix_now

SUCCESS_CARDS = {
    "4111111111111111": "Visa", "4100280000001007": "Visa", "5500670000001002": "MasterCard",
    "6527658900001005": "RuPay", "36082800091007": "Diners", "340256000401007": "Amex",
    "5555555555554444": "MasterCard", "5105105105105100": "MasterCard", "5104060000000008": "MasterCard",
    "4012888888881881": "Visa",
}
# Razorpay's error-scenario test cards: card → (reason, code, description).
FAILURE_CARDS = {}
for reason, code, description, cards in [
    ("payment_timed_out", "BAD_REQUEST_ERROR", "The payment timed out. Please try again.", ["4100280000090000", "5305620000060000"]),
    ("insufficient_fund", "BAD_REQUEST_ERROR", "Payment failed due to insufficient balance.", ["4100280000080001", "5305620000050001"]),
    ("payment_cancelled", "BAD_REQUEST_ERROR", "Payment was cancelled by the customer.", ["4100280000070002", "5305620000040002"]),
    ("card_declined", "BAD_REQUEST_ERROR", "Your payment was declined by the bank.",
     ["4100280000060003", "4100280000050004", "4100280000040005", "5305620000030003", "5305620000020004", "5305620000010005"]),
    ("card_disabled_for_online_payments", "BAD_REQUEST_ERROR", "This card is not enabled for online payments.",
     ["4100280000030006", "5305620000000006"]),
    ("card_number_invalid", "BAD_REQUEST_ERROR", "The card number is invalid.", ["4100280000010008", "5305620000080008"]),
    ("gateway_technical_error", "GATEWAY_ERROR", "Payment failed due to a technical error at the bank.",
     ["4100280000020007", "5305620000090007"]),
    ("authentication_failed", "GATEWAY_ERROR", "Authentication with the bank failed.", ["4100280000000009", "5305620000070009"]),
]:
    for card in cards:
        FAILURE_CARDS[card] = (reason, code, description)


class RazorpayError(Exception):
    """An error body in Razorpay's shape, with its HTTP status."""

    def __init__(self, description: str, *, field: str | None = None, status: int = 400,
                 code: str = "BAD_REQUEST_ERROR", reason: str = "input_validation_failed",
                 source: str = "business", step: str = "payment_initiation", metadata: dict | None = None):
        super().__init__(description)
        self.status = status
        self.body = {"error": {"code": code, "description": description, "field": field, "source": source,
                               "step": step, "reason": reason, "metadata": metadata or {}}}


def sign(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


MAX_AMOUNT = 1_000_000_000  # paise: INR 1 crore


def _integer_amount(value, field: str = "amount") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RazorpayError("The amount must be an integer.", field=field)
    if value < 100:
        raise RazorpayError("The amount must be at least INR 1.00", field=field)
    if value > MAX_AMOUNT:  # a per-transaction cap, as accounts have; it also keeps amounts in our columns
        raise RazorpayError("Amount exceeds maximum amount allowed.", field=field)
    return value


def _notes(value) -> dict:
    if value in (None, [], {}):
        return {}
    if not isinstance(value, dict):
        raise RazorpayError("The notes field must be a JSON object.", field="notes")
    if len(value) > 15:
        raise RazorpayError("Number of notes exceeds the limit of 15.", field="notes")
    for key, item in value.items():
        if len(str(item)) > 256:
            raise RazorpayError(f"notes.{key} may have at most 256 characters.", field="notes")
    return {str(key): str(item) if not isinstance(item, (int, float)) else item for key, item in value.items()}


def _extra_fields(data: dict, allowed: set[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise RazorpayError(f"{', '.join(extra)} is/are not required and should not be sent", field=extra[0])


def order_create(data: dict) -> SandboxOrder:
    _extra_fields(data, {"amount", "currency", "receipt", "notes", "partial_payment", "payment_capture", "payment",
                         "first_payment_min_amount"})
    if "amount" not in data:
        raise RazorpayError("The amount field is required.", field="amount")
    amount = _integer_amount(data["amount"])
    currency = data.get("currency")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise RazorpayError("The currency field is required." if currency is None else "Currency is not supported",
                            field="currency")
    receipt = data.get("receipt")
    if receipt is not None and (not isinstance(receipt, str) or len(receipt) > 40):
        raise RazorpayError("The receipt may not be greater than 40 characters.", field="receipt")
    if receipt and SandboxOrder.objects.filter(receipt=receipt).exists():
        raise RazorpayError("Receipt has to be unique.", field="receipt")
    capture = data.get("payment", {}).get("capture") if isinstance(data.get("payment"), dict) else None
    auto_capture = capture != "manual" and data.get("payment_capture") not in (0, False, "0")
    return SandboxOrder.objects.create(id=gateway_id("order"), amount=amount, currency=currency, receipt=receipt,
                                       notes=_notes(data.get("notes")), auto_capture=auto_capture)


def order_get(order_id: str) -> SandboxOrder:
    order = SandboxOrder.objects.filter(id=order_id).first()
    if order is None:
        raise RazorpayError("The id provided does not exist", field="id")
    return order


def payment_get(payment_id: str) -> SandboxPayment:
    payment = SandboxPayment.objects.select_related("order").filter(id=payment_id).first()
    if payment is None:
        raise RazorpayError("The id provided does not exist", field="id")
    return payment


def _luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number][::-1]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


@transaction.atomic
def checkout_pay(*, key: str, order_id: str, method: str, card_number: str = "", vpa: str = "",
                 email: str = "", contact: str = "") -> tuple[SandboxPayment, list[str]]:
    """One checkout attempt on an order. Returns the payment and the webhook events it causes."""
    if key != settings.RAZORPAY_KEY_ID:
        raise RazorpayError("The api key provided is invalid", status=401, field="key")
    order = SandboxOrder.objects.select_for_update().filter(id=order_id).first()
    if order is None:
        raise RazorpayError("The id provided does not exist", field="order_id")
    if order.status == "paid":
        raise RazorpayError("Your payment has been declined as the order is already paid.", field="order_id",
                            reason="order_already_paid")
    number = re.sub(r"\D", "", card_number)
    failure = None
    if method == "card":
        known = number in SUCCESS_CARDS or number in FAILURE_CARDS
        if not known and (not 12 <= len(number) <= 19 or not _luhn_valid(number)):
            raise RazorpayError("The card number is invalid.", field="card[number]", reason="card_number_invalid",
                                source="customer", step="payment_initiation")
        failure = FAILURE_CARDS.get(number)
        network = SUCCESS_CARDS.get(number) or ("Visa" if number.startswith("4") else "MasterCard")
    elif method == "upi":
        if not re.fullmatch(r"[\w.\-]{2,64}@[A-Za-z]{2,64}", vpa or ""):
            raise RazorpayError("Invalid VPA. Please enter a valid Virtual Payment Address", field="vpa",
                                reason="invalid_vpa", source="customer")
        if vpa != "success@razorpay":
            failure = ("payment_failed", "BAD_REQUEST_ERROR", "Payment failed")
        network = ""
    else:
        raise RazorpayError("Payment method is not supported", field="method")

    order.attempts += 1
    if order.status == "created":
        order.status = "attempted"
    payment = SandboxPayment(id=gateway_id("pay"), order=order, amount=order.amount, currency=order.currency,
                             method=method, email=email[:254], contact=contact[:32], vpa=vpa if method == "upi" else "",
                             card_last4=number[-4:] if method == "card" else "", card_network=network)
    events = []
    if failure:
        reason, code, description = failure
        payment.status = "failed"
        payment.error_code, payment.error_description, payment.error_reason = code, description, reason
        payment.error_source = "bank" if code == "BAD_REQUEST_ERROR" else "gateway"
        payment.error_step = "payment_authorization"
        events.append("payment.failed")
    else:
        payment.status = "authorized"
        events.append("payment.authorized")
        if order.auto_capture:
            payment.status, payment.captured = "captured", True
            order.status, order.amount_paid = "paid", order.amount
            events += ["payment.captured", "order.paid"]
    payment.save()
    order.save()
    return payment, events


@transaction.atomic
def payment_capture(payment_id: str, data: dict) -> tuple[SandboxPayment, list[str]]:
    payment = payment_get(payment_id)
    payment = SandboxPayment.objects.select_for_update().get(pk=payment.pk)
    if "amount" not in data:
        raise RazorpayError("The amount field is required.", field="amount")
    amount = _integer_amount(data["amount"])
    if not data.get("currency"):
        raise RazorpayError("The currency field is required.", field="currency")
    if payment.status == "captured":
        raise RazorpayError("This payment has already been captured.", reason="payment_already_captured")
    if payment.status != "authorized":
        raise RazorpayError("Only payments which have been authorized and not yet captured can be captured")
    if amount != payment.amount:
        raise RazorpayError("Capture amount must be equal to the amount authorized.", field="amount")
    order = SandboxOrder.objects.select_for_update().get(pk=payment.order_id)
    payment.status, payment.captured = "captured", True
    order.status, order.amount_paid = "paid", order.amount
    payment.save()
    order.save()
    return payment, ["payment.captured", "order.paid"]


API_REFUND_FIELDS = frozenset({"amount", "speed", "notes", "receipt"})
DASHBOARD_REFUND_FIELDS = frozenset({"amount", "speed", "notes"})


@transaction.atomic
def payment_refund(payment_id: str, data: dict, *, fields: frozenset[str] = API_REFUND_FIELDS) -> dict:
    """Refund a captured payment, through the API or the Dashboard (same rules at the gateway), and
    send its webhooks. Returns the refund as the call answers it.

    A refund is created pending and normally processed at once: refund.created and refund.processed,
    both showing it processed, as Razorpay's samples do. When the order has refund failures left (or
    RAZORPAY_SANDBOX_REFUNDS_FAIL is on) the bank turns it down: the call answers it pending, with
    refund.created, then it fails with refund.failed, and its amount is no longer counted as refunded,
    so the payment can be refunded again. When the order has pending refunds left, it is answered
    pending with refund.created and stays so (counted as refunded) until refund_settle."""
    payment = payment_get(payment_id)
    payment = SandboxPayment.objects.select_for_update().get(pk=payment.pk)
    _extra_fields(data, set(fields))
    if payment.status == "refunded" or payment.amount_refunded >= payment.amount:
        raise RazorpayError("The payment has been fully refunded already.", reason="payment_fully_refunded")
    if not payment.captured:
        raise RazorpayError("Only captured payments can be refunded.", reason="payment_not_captured")
    amount = _integer_amount(data["amount"]) if "amount" in data else payment.amount - payment.amount_refunded
    if payment.amount_refunded + amount > payment.amount:
        raise RazorpayError("The refund amount provided is greater than amount captured.", field="amount")
    speed = data.get("speed", "normal")
    if speed not in ("normal", "optimum"):
        raise RazorpayError("The selected speed is invalid.", field="speed")
    receipt = data.get("receipt")
    if receipt is not None and (not isinstance(receipt, str) or len(receipt) > 40):
        raise RazorpayError("The receipt may not be greater than 40 characters.", field="receipt")
    order = SandboxOrder.objects.select_for_update().get(pk=payment.order_id)
    fails = settings.RAZORPAY_SANDBOX_REFUNDS_FAIL or order.refund_failures_left > 0
    stays_pending = not fails and order.refunds_pending_left > 0
    if order.refund_failures_left:
        order.refund_failures_left -= 1
        order.save(update_fields=["refund_failures_left"])
    elif stays_pending:
        order.refunds_pending_left -= 1
        order.save(update_fields=["refunds_pending_left"])

    refund = SandboxRefund.objects.create(id=gateway_id("rfnd"), payment=payment, amount=amount,
                                          currency=payment.currency, notes=_notes(data.get("notes")),
                                          receipt=receipt, speed_requested=speed,
                                          status="pending" if fails or stays_pending else "processed")
    _payment_count_refund(payment, amount)
    answer = refund.as_json()
    if stays_pending:
        webhooks_emit(["refund.created"], refund=refund)
        return answer
    if not fails:
        webhooks_emit(["refund.created", "refund.processed"], refund=refund)
        return answer
    webhooks_emit(["refund.created"], refund=refund)
    refund.status = "failed"
    refund.save(update_fields=["status"])
    _payment_count_refund(payment, -amount)
    webhooks_emit(["refund.failed"], refund=refund)
    return answer


def _payment_count_refund(payment: SandboxPayment, amount: int) -> None:
    payment.amount_refunded += amount
    payment.status = "refunded" if payment.amount_refunded >= payment.amount else "captured"
    payment.save(update_fields=["amount_refunded", "status"])


def order_refund_failures_set(order_id: str, data: dict) -> SandboxOrder:
    """Emulator control: the next `count` refunds of this order's payments fail."""
    return _order_refund_counter_set(order_id, data, "refund_failures_left")


def order_refunds_pending_set(order_id: str, data: dict) -> SandboxOrder:
    """Emulator control: the next `count` refunds of this order's payments stay pending until settled."""
    return _order_refund_counter_set(order_id, data, "refunds_pending_left")


@transaction.atomic
def _order_refund_counter_set(order_id: str, data: dict, counter: str) -> SandboxOrder:
    _extra_fields(data, {"count"})
    count = data.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 100:
        raise RazorpayError("count must be a whole number from 0 to 100.", field="count")
    order = order_get(order_id)
    order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
    setattr(order, counter, count)
    order.save(update_fields=[counter])
    return order


@transaction.atomic
def refund_settle(refund_id: str, data: dict) -> SandboxRefund:
    """Emulator control: the bank finishes a pending refund, `processed` (refund.processed) or `failed`
    (refund.failed; its amount is no longer counted as refunded)."""
    _extra_fields(data, {"status"})
    status = data.get("status")
    if status not in ("processed", "failed"):
        raise RazorpayError("status must be processed or failed.", field="status")
    found = SandboxRefund.objects.filter(id=refund_id).values_list("payment_id", flat=True).first()
    if found is None:
        raise RazorpayError("The id provided does not exist", field="id")
    payment = SandboxPayment.objects.select_for_update().get(pk=found)  # the payment first, as refunds lock it
    refund = SandboxRefund.objects.select_for_update().get(pk=refund_id)
    if refund.status != "pending":
        raise RazorpayError(f"Only a pending refund can be settled; this one is {refund.status}.",
                            reason="refund_not_pending")
    refund.status = status
    refund.save(update_fields=["status"])
    if status == "failed":
        _payment_count_refund(payment, -refund.amount)
    refund.payment = payment
    webhooks_emit([f"refund.{status}"], refund=refund)
    return refund


@transaction.atomic
def order_pay_captured(order_id: str, data: dict) -> SandboxPayment:
    """Emulator control: a captured card payment on the order whatever its state, with its webhooks.

    On a paid order this is the customer who paid twice from two tabs: Razorpay captures both,
    and only order.payments (and the webhooks) show the second. `amount` and `currency` default
    to the order's; others make a payment that disagrees with its order, which Razorpay itself
    would not capture, so that tests can see how a mismatched capture is handled."""
    _extra_fields(data, {"amount", "currency", "email", "contact"})
    order = order_get(order_id)
    order = SandboxOrder.objects.select_for_update().get(pk=order.pk)
    amount = _integer_amount(data["amount"]) if "amount" in data else order.amount
    currency = data.get("currency", order.currency)
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise RazorpayError("Currency is not supported", field="currency")
    events = ["payment.authorized", "payment.captured"]
    if order.status != "paid":
        order.status, order.amount_paid = "paid", order.amount
        events.append("order.paid")
    order.attempts += 1
    order.save()
    payment = SandboxPayment.objects.create(
        id=gateway_id("pay"), order=order, amount=amount, currency=currency, method="card", status="captured",
        captured=True, email=str(data.get("email", ""))[:254], contact=str(data.get("contact", ""))[:32],
        card_last4="1111", card_network="Visa")
    webhooks_emit(events, payment=payment)
    return payment


@transaction.atomic
def order_paid_for_demo(*, amount: int, currency: str, receipt: str, notes: dict, email: str) -> SandboxPayment:
    """Emulator control for seed_demo: an order already paid by card and its captured payment, with
    no webhooks (the demo data records the payment in Serene as if they had come)."""
    order = SandboxOrder.objects.create(id=gateway_id("order"), amount=amount, currency=currency, receipt=receipt,
                                        status="paid", attempts=1, amount_paid=amount, notes=notes)
    return SandboxPayment.objects.create(id=gateway_id("pay"), order=order, amount=amount, currency=currency,
                                         status="captured", method="card", captured=True, email=email,
                                         card_last4="1111", card_network="Visa")


def checkout_result(payment: SandboxPayment) -> dict:
    """What Checkout hands the page's success handler: ids and Razorpay's signature over them."""
    return {"razorpay_payment_id": payment.id, "razorpay_order_id": payment.order_id,
            "razorpay_signature": sign(settings.RAZORPAY_KEY_SECRET, f"{payment.order_id}|{payment.id}")}


# --- Webhooks ----------------------------------------------------------------------------------

def webhook_body(event: str, *, payment: SandboxPayment | None = None, refund: SandboxRefund | None = None) -> str:
    payload: dict = {}
    contains = []
    if refund is not None:
        payload["refund"] = {"entity": refund.as_json()}
        contains.append("refund")
        payment = refund.payment
    if payment is not None:
        payload["payment"] = {"entity": payment.as_json()}
        contains.append("payment")
        if event == "order.paid":
            payload["order"] = {"entity": payment.order.as_json()}
            contains.append("order")
    return json.dumps({"entity": "event", "account_id": "acc_SereneSandbox01", "event": event, "contains": contains,
                       "payload": payload, "created_at": unix_now()}, separators=(",", ":"))


def webhooks_emit(events: list[str], *, payment: SandboxPayment | None = None, refund: SandboxRefund | None = None) -> None:
    """Record the events and, after commit, hand them to the task queue for delivery."""
    rows = [SandboxWebhook.objects.create(event_id="evt_" + gateway_id("x")[2:], event=event,
                                          body=webhook_body(event, payment=payment, refund=refund),
                                          url=settings.RAZORPAY_SANDBOX_WEBHOOK_URL)
            for event in events]
    if settings.RAZORPAY_SANDBOX_WEBHOOK_DROP:
        SandboxWebhook.objects.filter(pk__in=[row.pk for row in rows]).update(status="dropped")
        return
    if not settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND:
        return
    ids = [row.pk for row in rows]
    if settings.RAZORPAY_SANDBOX_WEBHOOK_REORDER:
        ids.reverse()
    if settings.RAZORPAY_SANDBOX_WEBHOOK_DUPLICATE:
        ids = ids + ids

    from .tasks import sandbox_webhooks_deliver
    transaction.on_commit(lambda: sandbox_webhooks_deliver.enqueue(ids))


def webhook_signature(body: str) -> str:
    return sign(settings.RAZORPAY_WEBHOOK_SECRET, body)
