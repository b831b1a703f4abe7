"""The payment gateway protocol: the only shapes the rest of Serene sees of a gateway.

Adapters (razorpay.py) translate their provider's JSON, status strings and errors into these
dataclasses, enums and the two errors below; `get_gateway` hands out the configured adapter wrapped
so that every call is written to the gateway call log (calls.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from serene.core.errors import AppError, ServiceUnavailable


class GatewayPaymentStatus(StrEnum):
    CREATED = "created"
    AUTHORIZED = "authorized"  # the bank approved it; not yet captured
    CAPTURED = "captured"      # money has moved to us
    REFUNDED = "refunded"      # captured, then refunded in full
    FAILED = "failed"


# The money has moved: a payment in one of these needs an end (a booking or a refund).
MONEY_MOVED = frozenset({GatewayPaymentStatus.CAPTURED, GatewayPaymentStatus.REFUNDED})


class GatewayRefundStatus(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"


class GatewayUnavailable(ServiceUnavailable):
    """The gateway could not be reached or failed on its side: nothing is known to have happened."""
    code = "payment_gateway_error"
    default_message = "The payment provider could not complete that. No money was taken; please try again."


class GatewayRefused(AppError):
    """The gateway answered and said no (a bad request, a payment already captured or refunded)."""
    status = 400
    code = "payment_rejected"
    default_message = "The payment provider refused the request."


GatewayError = (GatewayUnavailable, GatewayRefused)


@dataclass(frozen=True)
class GatewayOrder:
    id: str
    amount: int
    currency: str
    receipt: str | None


@dataclass(frozen=True)
class GatewayPayment:
    id: str
    order_id: str
    amount: int
    currency: str
    status: GatewayPaymentStatus
    method: str
    amount_refunded: int
    failure_reason: str = ""  # the adapter's stable reason code, for failure_message()
    failure_description: str = ""


class GatewayEventKind(StrEnum):
    PAYMENT = "payment"  # something happened to a payment (or its order)
    REFUND = "refund"    # something happened to a refund of a payment
    OTHER = "other"


@dataclass(frozen=True)
class GatewayEvent:
    """A webhook's body as far as Serene cares: what it is about. The truth is re-fetched."""
    type: str
    kind: GatewayEventKind
    payment_id: str | None


@dataclass(frozen=True)
class GatewayRefund:
    id: str
    payment_id: str
    amount: int
    status: GatewayRefundStatus
    receipt: str = ""  # ours when Serene made the refund; anything else was made elsewhere (the Dashboard)


class PaymentGateway(Protocol):
    key_id: str

    def order_create(self, *, amount: int, currency: str, receipt: str, notes: dict[str, str]) -> GatewayOrder: ...
    def order_payments(self, order_id: str) -> list[GatewayPayment]: ...
    def payment_fetch(self, payment_id: str) -> GatewayPayment: ...
    def payment_capture(self, payment_id: str, *, amount: int, currency: str) -> GatewayPayment: ...
    def payment_refund(self, payment_id: str, *, amount: int, receipt: str, notes: dict[str, str]) -> GatewayRefund: ...
    def payment_refunds(self, payment_id: str) -> list[GatewayRefund]: ...
    def checkout_signature_valid(self, *, order_id: str, payment_id: str, signature: str) -> bool: ...
    def webhook_signature_valid(self, *, body: str, signature: str) -> bool: ...
    # Static in each adapter, since webhook_parse() and failure_message() below call them on the class;
    # instance methods here, so that LoggedGateway, which hands them to its adapter, is a gateway too.
    def webhook_parse(self, body: str) -> GatewayEvent: ...
    def failure_message(self, reason: str) -> str: ...


def claim_stale_after() -> timedelta:
    """After this long, a gateway request that was claimed but never answered is surely over (an order
    or a refund being opened: every call gives up after RAZORPAY_TIMEOUT_SECONDS)."""
    return timedelta(seconds=settings.RAZORPAY_TIMEOUT_SECONDS + 5)


def get_gateway() -> PaymentGateway:
    """The configured gateway; every call it makes is logged (GatewayCall)."""
    from .calls import LoggedGateway
    return LoggedGateway(import_string(settings.PAYMENT_GATEWAY)())


def webhook_parse(body: str) -> GatewayEvent:
    """What a webhook body is about, or InvalidInput when it is not one (no gateway call)."""
    return import_string(settings.PAYMENT_GATEWAY).webhook_parse(body)


def failure_message(reason: str) -> str:
    """A customer's words for the gateway's reason a payment failed (no gateway call, no credentials)."""
    return import_string(settings.PAYMENT_GATEWAY).failure_message(reason)
