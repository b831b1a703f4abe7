"""A payment's lifecycle, as a table: the moves allowed between its states, what may make each, and
the two functions through which every payment is created and moved, each step recorded.

    (new) ─checkout─▶ creating ─checkout─▶ created ─gateway─▶ attempted
                                              │                   │
                                           gateway             gateway
                                              ▼                   │
    failed ────────────gateway────────────▶ captured ◀────────────┘
    (new) ─gateway (a stray), demo────────▶    ▲ │
                                       refunds │ │ refunds
                                               │ ▼
                              partially_refunded ◀─refunds─▶ refunded   (every move among the three)

`creating` is an order claimed and being opened at the gateway (checkout.py); a claim whose call
failed is deleted, not moved, and its timeline with it. A payment tried on the order, authorised or
failed, leaves it `attempted`: the customer may try again on the same order, as Razorpay's own order
stays attempted. No path writes `failed`; an order row in it (never written by any version) would
still take its capture. Once money moved, the status follows the payment's live refunds (created or
processed), and a refund the gateway later fails gives its part back: those moves go both ways.

Every move and every creation is recorded as a PaymentEvent (from, to, when, what moved it, why)
and published as signals.payment_moved, in the same transaction.
The caller holds the payment's row lock, taken with its expert and booking in the fixed order
(serene.core.locking), or, creating a row, its booking's; both functions refuse to run outside a
transaction. Payment status is never written anywhere else.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from serene.core.errors import Conflict

from .models import Payment, PaymentEvent, PaymentSource, PaymentStatus
from .signals import payment_change_publish

NEW = ""  # the from-status of a payment's creation
CHECKOUT, GATEWAY, REFUNDS, DEMO = (PaymentSource.CHECKOUT, PaymentSource.GATEWAY, PaymentSource.REFUNDS,
                                    PaymentSource.DEMO)

# (from, to) → what may make that move; from NEW is a creation.
PAYMENT_MOVES: dict[tuple[str, str], frozenset[str]] = {
    (NEW, PaymentStatus.CREATING): frozenset({CHECKOUT}),                         # an order claimed for a hold
    (NEW, PaymentStatus.CAPTURED): frozenset({GATEWAY, DEMO}),                    # a stray capture's own row; demo data
    (PaymentStatus.CREATING, PaymentStatus.CREATED): frozenset({CHECKOUT}),       # the gateway opened the order
    (PaymentStatus.CREATED, PaymentStatus.ATTEMPTED): frozenset({GATEWAY}),       # a payment tried on it
    (PaymentStatus.CREATED, PaymentStatus.CAPTURED): frozenset({GATEWAY}),
    (PaymentStatus.ATTEMPTED, PaymentStatus.CAPTURED): frozenset({GATEWAY}),
    (PaymentStatus.FAILED, PaymentStatus.CAPTURED): frozenset({GATEWAY}),
    (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED): frozenset({REFUNDS}),
    (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED): frozenset({REFUNDS}),
    (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED): frozenset({REFUNDS}),
    (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.CAPTURED): frozenset({REFUNDS}),  # a refund failed after all
    (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED): frozenset({REFUNDS}),
    (PaymentStatus.REFUNDED, PaymentStatus.CAPTURED): frozenset({REFUNDS}),
}

# An order's row that may still take its capture; a capture on an order in any other state is a stray.
CAPTURABLE_STATUSES: tuple[str, ...] = tuple(
    source for (source, target), movers in PAYMENT_MOVES.items()
    if source != NEW and target == PaymentStatus.CAPTURED and GATEWAY in movers)

assert all(source in (NEW, *PaymentStatus.values) and target in PaymentStatus.values for source, target in PAYMENT_MOVES)
assert all(source != target for source, target in PAYMENT_MOVES)


class PaymentMoveNotAllowed(Conflict):
    code = "payment_move_not_allowed"


def payment_move_allowed(*, from_status: str, to_status: str, source: str) -> bool:
    return source in PAYMENT_MOVES.get((from_status, to_status), frozenset())


def payment_move(*, payment: Payment, to: str, source: str, reason: str = "",
                 changes: Mapping[str, Any] | None = None, at: datetime | None = None) -> Payment:
    """Move a locked payment to `to`, writing `changes` (the step's other fields) in the same save,
    record the move and publish it (signals.payment_moved); refuse with PaymentMoveNotAllowed (409) a move the table does not allow.

    The first move into captured stamps captured_at with the move's time.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("payment_move must run inside the transaction that locked the payment")
    from_status = payment.status
    _refuse_unless_allowed(from_status=from_status, to_status=to, source=source)
    at = at or timezone.now()
    changes = dict(changes or {})
    if to == PaymentStatus.CAPTURED and payment.captured_at is None:
        changes.setdefault("captured_at", at)
    for field, value in changes.items():
        setattr(payment, field, value)
    payment.status = to
    payment.save(update_fields=["status", "updated_at", *changes])
    event = PaymentEvent.objects.create(payment=payment, from_status=from_status, to_status=to, at=at, source=source,
                                        reason=reason[:240])
    payment_change_publish(payment=payment, event=event)
    return payment


def payment_create(*, source: str, reason: str = "", at: datetime | None = None, **fields: Any) -> Payment:
    """A new payment (its status among `fields`), its creation recorded as its first move and
    published (signals.payment_moved, from "").

    A payment created captured has captured_at stamped with the creation's time unless given."""
    if not connection.in_atomic_block:
        raise RuntimeError("payment_create must run inside the transaction that locked the payment's booking")
    status = fields.get("status", PaymentStatus.CREATED)
    _refuse_unless_allowed(from_status=NEW, to_status=status, source=source)
    at = at or timezone.now()
    if status == PaymentStatus.CAPTURED:
        fields.setdefault("captured_at", at)
    payment = Payment.objects.create(**fields)
    event = PaymentEvent.objects.create(payment=payment, from_status=NEW, to_status=payment.status, at=at,
                                        source=source, reason=reason[:240])
    payment_change_publish(payment=payment, event=event)
    return payment


def _refuse_unless_allowed(*, from_status: str, to_status: str, source: str) -> None:
    if not payment_move_allowed(from_status=from_status, to_status=to_status, source=source):
        labels, movers = dict(PaymentStatus.choices), dict(PaymentSource.choices)
        start = f"A {labels.get(from_status, from_status).lower()} payment" if from_status else "A new payment"
        raise PaymentMoveNotAllowed(f"{start} cannot become {labels.get(to_status, to_status).lower()} "
                                    f"(moved by {movers.get(source, source).lower()}).")
