"""The payment gateway protocol: the only shapes the rest of Serene sees of a gateway."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class GatewayOrder:
    id: str
    amount: int
    currency: str
    status: str
    receipt: str | None


@dataclass(frozen=True)
class GatewayPayment:
    id: str
    order_id: str
    amount: int
    currency: str
    status: str            # created, authorized, captured, refunded, failed
    method: str
    amount_refunded: int
    error_code: str | None = None
    error_description: str | None = None
    error_reason: str | None = None


@dataclass(frozen=True)
class GatewayRefund:
    id: str
    payment_id: str
    amount: int
    status: str


class PaymentGateway(Protocol):
    key_id: str

    def order_create(self, *, amount: int, currency: str, receipt: str, notes: dict[str, str]) -> GatewayOrder: ...
    def order_fetch(self, order_id: str) -> GatewayOrder: ...
    def order_payments(self, order_id: str) -> list[GatewayPayment]: ...
    def payment_fetch(self, payment_id: str) -> GatewayPayment: ...
    def payment_capture(self, payment_id: str, *, amount: int, currency: str) -> GatewayPayment: ...
    def payment_refund(self, payment_id: str, *, amount: int, receipt: str, notes: dict[str, str]) -> GatewayRefund: ...
    def payment_refunds(self, payment_id: str) -> list[GatewayRefund]: ...
    def checkout_signature_valid(self, *, order_id: str, payment_id: str, signature: str) -> bool: ...
    def webhook_signature_valid(self, *, body: str, signature: str) -> bool: ...


def get_gateway() -> PaymentGateway:
    return import_string(settings.PAYMENT_GATEWAY)()
