"""The gateway call log: every call to the gateway, wrapped once here, is written to GatewayCall.

Writing the log never breaks the call it records: a failed write is logged and forgotten.
"""
from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from datetime import datetime

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from serene.core.errors import AppError
from serene.core.pool import connection_give_back

from .gateway import GatewayEvent, GatewayOrder, GatewayPayment, GatewayRefund, PaymentGateway
from .models import GatewayCall

logger = logging.getLogger(__name__)


def _describe(value) -> tuple[dict, str]:
    """The ids a result names, and a short summary of it."""
    if isinstance(value, GatewayOrder):
        return {"order_id": value.id}, f"order {value.id} for {value.amount} {value.currency}"
    if isinstance(value, GatewayPayment):
        summary = f"{value.status} {value.amount} {value.currency}"
        if value.amount_refunded:
            summary += f", {value.amount_refunded} refunded"
        if value.failure_reason:
            summary += f" ({value.failure_reason})"
        return {"order_id": value.order_id, "payment_id": value.id}, summary
    if isinstance(value, GatewayRefund):
        return {"payment_id": value.payment_id, "refund_id": value.id}, f"refund {value.id} {value.status} {value.amount}"
    if isinstance(value, list):
        parts = [_describe(item)[1] for item in value]
        return {}, f"{len(value)}: " + "; ".join(parts) if parts else "none"
    return {}, ""


def gateway_call_record(*, operation: str, ids: dict, amount: int | None, succeeded: bool, result: str, error: str,
                        duration_ms: int, at: datetime | None = None) -> None:
    try:
        # Gateway calls run outside transactions; where one does not, keep a failed write from breaking it.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            GatewayCall.objects.create(at=at or timezone.now(), operation=operation, amount_minor=amount,
                                       succeeded=succeeded,
                                       result=result[:240], error=error[:240], duration_ms=duration_ms,
                                       **{key: (value or "")[:40] for key, value in ids.items()})
    except DatabaseError:
        logger.exception("Could not record the gateway call %s", operation)


class LoggedGateway:
    """A PaymentGateway that writes each network call to GatewayCall and passes everything else on."""

    def __init__(self, inner: PaymentGateway):
        self.inner = inner
        self.key_id = inner.key_id

    def _logged(self, operation: str, call, *, ids: dict, amount: int | None = None, about: str = ""):
        # Logged at its start: what the call caused meanwhile (the webhooks of a refund, which may
        # arrive before it is answered) is logged after it.
        began = (timezone.now(), time.monotonic())
        prefix = f"{about}: " if about else ""
        connection_give_back()  # nobody else's query should wait for a connection idling on the gateway
        try:
            value = call()
        except AppError as error:
            self._record(operation, ids, amount, began, succeeded=False, result=about,
                         error=f"{error.code}: {error.message}")
            raise
        except Exception as error:
            self._record(operation, ids, amount, began, succeeded=False, result=about, error=repr(error))
            raise
        named, summary = _describe(value)
        self._record(operation, {**ids, **{key: value for key, value in named.items() if value}}, amount, began,
                     succeeded=True, result=prefix + summary, error="")
        return value

    @staticmethod
    def _record(operation, ids, amount, began, **outcome) -> None:
        at, clock = began
        gateway_call_record(operation=operation, ids=ids, amount=amount, at=at,
                            duration_ms=int((time.monotonic() - clock) * 1000), **outcome)

    def order_create(self, *, amount: int, currency: str, receipt: str, notes: dict[str, str]) -> GatewayOrder:
        return self._logged("order_create", lambda: self.inner.order_create(
            amount=amount, currency=currency, receipt=receipt, notes=notes), ids={}, amount=amount,
            about=f"receipt {receipt}")

    def order_payments(self, order_id: str) -> list[GatewayPayment]:
        return self._logged("order_payments", lambda: self.inner.order_payments(order_id), ids={"order_id": order_id})

    def payment_fetch(self, payment_id: str) -> GatewayPayment:
        return self._logged("payment_fetch", lambda: self.inner.payment_fetch(payment_id), ids={"payment_id": payment_id})

    def payment_capture(self, payment_id: str, *, amount: int, currency: str) -> GatewayPayment:
        return self._logged("payment_capture", lambda: self.inner.payment_capture(
            payment_id, amount=amount, currency=currency), ids={"payment_id": payment_id}, amount=amount)

    def payment_refund(self, payment_id: str, *, amount: int, receipt: str, notes: dict[str, str]) -> GatewayRefund:
        return self._logged("payment_refund", lambda: self.inner.payment_refund(
            payment_id, amount=amount, receipt=receipt, notes=notes), ids={"payment_id": payment_id}, amount=amount,
            about=f"receipt {receipt}")

    def payment_refunds(self, payment_id: str) -> list[GatewayRefund]:
        return self._logged("payment_refunds", lambda: self.inner.payment_refunds(payment_id),
                            ids={"payment_id": payment_id})

    # Local checks: no network, nothing to log.
    def checkout_signature_valid(self, *, order_id: str, payment_id: str, signature: str) -> bool:
        return self.inner.checkout_signature_valid(order_id=order_id, payment_id=payment_id, signature=signature)

    def webhook_signature_valid(self, *, body: str, signature: str) -> bool:
        return self.inner.webhook_signature_valid(body=body, signature=signature)

    def webhook_parse(self, body: str) -> GatewayEvent:
        return self.inner.webhook_parse(body)

    def failure_message(self, reason: str) -> str:
        return self.inner.failure_message(reason)
