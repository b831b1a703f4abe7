"""The domain events of payments: sent by the lifecycle functions that make each change, inside the
transaction that makes it, for later features (outgoing webhooks, payouts to experts) to subscribe
to instead of reaching into payments' tables.

    payment_moved   payment_lifecycle.payment_create / payment_move: a payment created or moved
                    (creating → created → attempted → captured ⇄ partially_refunded ⇄ refunded)
    refund_moved    refund_lifecycle.refund_create / refund_move: a refund asked for, processed or failed

Each carries its payload as `change=` (PaymentChange, RefundChange), with sender=Payment or Refund.
Receivers run before the transaction commits, under the payment's row lock: a receiver writes in
that transaction, or defers with transaction.on_commit what must wait until the change is kept (a
webhook to send, a transfer to ask the gateway for: gateway calls never run inside a transaction).
An exception in a receiver undoes the change.

Nobody subscribes yet. A claim's row (creating) whose gateway order could not be opened is deleted
later with its timeline, so a receiver that acts on money waits for a move past `created`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from .models import Payment, PaymentEvent, Refund, RefundEvent

payment_moved = Signal()
refund_moved = Signal()


@dataclass(frozen=True)
class PaymentChange:
    payment: Payment        # as the change left it
    event: PaymentEvent     # the timeline row that records it
    from_status: str        # "" for a creation
    to_status: str
    source: str             # PaymentSource: what moved it (checkout, gateway, refunds, demo)
    reason: str
    at: datetime


@dataclass(frozen=True)
class RefundChange:
    refund: Refund          # as the change left it (refund.payment_id: its payment, locked)
    event: RefundEvent
    from_status: str        # "" for a creation
    to_status: str
    reason: str
    at: datetime


def payment_change_publish(*, payment: Payment, event: PaymentEvent) -> None:
    from .models import Payment

    payment_moved.send(sender=Payment, change=PaymentChange(
        payment=payment, event=event, from_status=event.from_status, to_status=event.to_status, source=event.source,
        reason=event.reason, at=event.at))


def refund_change_publish(*, refund: Refund, event: RefundEvent) -> None:
    from .models import Refund

    refund_moved.send(sender=Refund, change=RefundChange(
        refund=refund, event=event, from_status=event.from_status, to_status=event.to_status, reason=event.reason,
        at=event.at))
