"""Razorpay behind the gateway protocol, on the official SDK. The only module that knows SDK calls,
Razorpay's JSON and its signature formats. In development and tests RAZORPAY_API_BASE points the
SDK at the built-in emulator; nothing else changes."""
from __future__ import annotations

import logging

import razorpay
import requests
from django.conf import settings
from razorpay.errors import BadRequestError, GatewayError, ServerError, SignatureVerificationError

from serene.core.errors import AppError, ServiceUnavailable

from .gateway import GatewayOrder, GatewayPayment, GatewayRefund

logger = logging.getLogger(__name__)
READ_ATTEMPTS = 3


class PaymentGatewayError(AppError):
    status = 503
    code = "payment_gateway_error"
    default_message = "The payment provider could not complete that. No money was taken; please try again."


class PaymentRejected(AppError):
    status = 400
    code = "payment_rejected"


def _order(data: dict) -> GatewayOrder:
    return GatewayOrder(id=data["id"], amount=data["amount"], currency=data["currency"], status=data["status"],
                        receipt=data.get("receipt"))


def _payment(data: dict) -> GatewayPayment:
    return GatewayPayment(id=data["id"], order_id=data.get("order_id") or "", amount=data["amount"],
                          currency=data["currency"], status=data["status"], method=data.get("method") or "",
                          amount_refunded=data.get("amount_refunded") or 0, error_code=data.get("error_code"),
                          error_description=data.get("error_description"), error_reason=data.get("error_reason"))


def _refund(data: dict) -> GatewayRefund:
    return GatewayRefund(id=data["id"], payment_id=data["payment_id"], amount=data["amount"], status=data["status"])


class RazorpayGateway:
    def __init__(self) -> None:
        if not settings.RAZORPAY_KEY_ID or not settings.RAZORPAY_KEY_SECRET:
            raise ServiceUnavailable("Payments are not configured (RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET).")
        self.key_id = settings.RAZORPAY_KEY_ID
        self.client = razorpay.Client(auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET),
                                      base_url=settings.RAZORPAY_API_BASE)
        self.client.set_app_details({"title": "Serene", "version": "1"})
        self.timeout = settings.RAZORPAY_TIMEOUT_SECONDS

    def _call(self, what: str, function, *args, retry: bool = False, **kwargs):
        attempts = READ_ATTEMPTS if retry else 1
        for attempt in range(1, attempts + 1):
            try:
                return function(*args, timeout=self.timeout, **kwargs)
            except BadRequestError as error:
                raise PaymentRejected(str(error) or "The payment provider refused the request.") from None
            except (GatewayError, ServerError) as error:
                if attempt == attempts:
                    logger.warning("Razorpay %s failed: %s", what, error)
                    raise PaymentGatewayError() from None
            except (requests.RequestException, ValueError) as error:  # timeouts, refused connections, non-JSON
                if attempt == attempts:
                    logger.warning("Razorpay %s unreachable: %s", what, error)
                    raise PaymentGatewayError("We could not reach the payment provider. No money was taken; "
                                              "please try again in a moment.") from None

    def order_create(self, *, amount: int, currency: str, receipt: str, notes: dict[str, str]) -> GatewayOrder:
        data = {"amount": amount, "currency": currency, "receipt": receipt[:40], "notes": notes, "payment_capture": 1}
        return _order(self._call("order create", self.client.order.create, data))

    def order_fetch(self, order_id: str) -> GatewayOrder:
        return _order(self._call("order fetch", self.client.order.fetch, order_id, retry=True))

    def order_payments(self, order_id: str) -> list[GatewayPayment]:
        data = self._call("order payments", self.client.order.payments, order_id, retry=True)
        return [_payment(item) for item in data.get("items", [])]

    def payment_fetch(self, payment_id: str) -> GatewayPayment:
        return _payment(self._call("payment fetch", self.client.payment.fetch, payment_id, retry=True))

    def payment_capture(self, payment_id: str, *, amount: int, currency: str) -> GatewayPayment:
        # The SDK's signature is capture(payment_id, amount, data); it mutates data, so pass a fresh dict.
        return _payment(self._call("payment capture", self.client.payment.capture, payment_id, amount,
                                   {"currency": currency}))

    def payment_refund(self, payment_id: str, *, amount: int, receipt: str, notes: dict[str, str]) -> GatewayRefund:
        # Payment.refund's live signature is refund(payment_id, data): the amount goes in data.
        body = {"amount": amount, "speed": "normal", "receipt": receipt[:40], "notes": notes}
        return _refund(self._call("payment refund", self.client.payment.refund, payment_id, body))

    def payment_refunds(self, payment_id: str) -> list[GatewayRefund]:
        data = self._call("payment refunds", self.client.payment.fetch_multiple_refund, payment_id, retry=True)
        return [_refund(item) for item in data.get("items", [])]

    def checkout_signature_valid(self, *, order_id: str, payment_id: str, signature: str) -> bool:
        try:
            return self.client.utility.verify_payment_signature({
                "razorpay_order_id": order_id, "razorpay_payment_id": payment_id, "razorpay_signature": signature})
        except SignatureVerificationError:
            return False

    def webhook_signature_valid(self, *, body: str, signature: str) -> bool:
        try:
            return self.client.utility.verify_webhook_signature(body, signature, settings.RAZORPAY_WEBHOOK_SECRET)
        except SignatureVerificationError:
            return False
