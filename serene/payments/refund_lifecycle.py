"""A refund's lifecycle, as a table, and what a payment's refunds make of it and of its booking.

    created ──▶ processed
       │            │  (the gateway may still report a processed refund failed)
       ▼            ▼
     failed ◀───────┘

A failed refund is final for that attempt, but the money is still owed (refunds.py asks again, up
to REFUND_ATTEMPTS, then flags the payment for staff). Every move is recorded as a RefundEvent and
published as signals.refund_moved, under the payment's lock (taken with its expert and booking, the fixed order). From its refunds follow the
payment's status (captured, partially refunded, refunded: moves of payment_lifecycle.py) and its
booking's money outcome.
Used by refunds.py (issuing) and refund_sync.py (what the gateway reports).
"""
from __future__ import annotations

import logging

from django.db import connection, transaction

from serene.bookings.lifecycle import booking_set_money_outcome
from serene.bookings.models import Booking, MoneyOutcome
from serene.core.errors import Conflict
from serene.core.money import format_money

from .models import MONEY_MOVED_STATUSES, Payment, PaymentSource, PaymentStatus, Refund, RefundEvent, RefundStatus
from .payment_lifecycle import payment_move
from .signals import refund_change_publish

logger = logging.getLogger(__name__)

REFUND_MOVES: frozenset[tuple[str, str]] = frozenset({
    (RefundStatus.CREATED, RefundStatus.PROCESSED),
    (RefundStatus.CREATED, RefundStatus.FAILED),
    (RefundStatus.PROCESSED, RefundStatus.FAILED),  # the gateway's later word wins: the money came back to us
})
# Refunds in these states count against what a payment owes back.
LIVE_STATUSES = (RefundStatus.CREATED, RefundStatus.PROCESSED)
DASHBOARD_REASON = "Refunded in the Razorpay Dashboard"


class RefundMoveNotAllowed(Conflict):
    code = "refund_move_not_allowed"


def refund_move(*, refund: Refund, to: str, reason: str = "") -> Refund:
    """Move a refund (its payment locked by the caller), record the move and publish it
    (signals.refund_moved); refuse what the table does not allow."""
    if not connection.in_atomic_block:
        raise RuntimeError("refund_move must run inside the transaction that locked the payment")
    if refund.status == to:
        return refund
    if (refund.status, to) not in REFUND_MOVES:
        raise RefundMoveNotAllowed(f"A {refund.status} refund cannot become {to}.")
    event = RefundEvent.objects.create(refund=refund, from_status=refund.status, to_status=to, reason=reason[:240])
    refund.status = to
    fields = ["status", "updated_at"]
    if to == RefundStatus.FAILED:
        refund.failure_reason = reason[:240]
        fields.append("failure_reason")
    refund.save(update_fields=fields)
    refund_change_publish(refund=refund, event=event)
    _log_refund(refund, f"{refund.status}" + (f": {reason[:120]}" if to == RefundStatus.FAILED and reason else ""))
    return refund


def refund_create(**fields) -> Refund:
    """A new refund, its first move recorded and published (signals.refund_moved, from "")."""
    refund = Refund.objects.create(**fields)
    event = RefundEvent.objects.create(refund=refund, from_status="", to_status=refund.status, reason=refund.reason)
    refund_change_publish(refund=refund, event=event)
    _log_refund(refund, f"{refund.status} (asked for)" if refund.status == RefundStatus.CREATED else refund.status)
    return refund


def _log_refund(refund: Refund, what: str) -> None:
    """One INFO line per refund move, once its transaction has committed."""
    payment_id: object = refund.payment_id  # logged: the row's id, or the gateway's once the row is read
    booking_id: object = None
    values = Payment.objects.filter(pk=refund.payment_id).values_list("gateway_payment_id", "booking__public_id").first()
    if values:
        payment_id, booking_id = values
    line = ("Refund %s: refund %s payment %s booking %s amount %s%s", what, refund.gateway_refund_id or f"row {refund.pk}",
            payment_id, booking_id, refund.amount_minor, " (external)" if getattr(refund, "external", False) else "")
    transaction.on_commit(lambda: logger.info(*line))


def payment_flag(*, payment: Payment, booking: Booking, reason: str) -> None:
    """The automatic path gives up on this payment: staff take it from here (admin, needs attention)."""
    payment.needs_attention = True
    payment.attention_reason = reason[:240]
    payment.save(update_fields=["needs_attention", "attention_reason", "updated_at"])
    logger.error("Payment %s needs staff: %s", payment.gateway_payment_id, reason)
    booking_outcome_from_refunds(payment=payment, booking=booking)


def payment_status_from_refunds(payment: Payment) -> None:
    """A payment whose money moved is captured, partially refunded or refunded by its live refunds."""
    if payment.status not in MONEY_MOVED_STATUSES:
        return
    refunded = sum(payment.refunds.filter(status__in=LIVE_STATUSES).values_list("amount_minor", flat=True))
    status = (PaymentStatus.REFUNDED if refunded >= payment.amount_minor
              else PaymentStatus.PARTIALLY_REFUNDED if refunded else PaymentStatus.CAPTURED)
    if status != payment.status:
        payment_move(payment=payment, to=status, source=PaymentSource.REFUNDS,
                     reason=f"Refunds under way or processed: {format_money(refunded, payment.currency)} "
                            f"of {format_money(payment.amount_minor, payment.currency)}.")


def booking_outcome_from_refunds(*, payment: Payment, booking: Booking) -> None:
    """The booking's money outcome, from its own payment's refunds (a stray's refunds are not the booking's)."""
    if payment.stray_of_id is not None:
        return
    refunds = list(payment.refunds.all())
    processed = sum(refund.amount_minor for refund in refunds if refund.status == RefundStatus.PROCESSED)
    external = any(refund.external and refund.status in LIVE_STATUSES for refund in refunds)
    if processed >= payment.amount_minor:
        outcome, reason = MoneyOutcome.REFUNDED_IN_FULL, "Refunded in full."
    elif payment.needs_attention:
        outcome, reason = MoneyOutcome.REFUND_FAILED, payment.attention_reason
    elif payment.refund_reason or any(refund.status == RefundStatus.CREATED for refund in refunds):
        outcome, reason = MoneyOutcome.REFUND_PENDING, payment.refund_reason or "A refund is under way."
    elif processed:
        outcome, reason = MoneyOutcome.REFUNDED_IN_PART, "Refunded in part."
    else:
        return
    if external and outcome in (MoneyOutcome.REFUNDED_IN_FULL, MoneyOutcome.REFUNDED_IN_PART):
        reason = f"{DASHBOARD_REASON}: {reason.lower()}"
    booking_set_money_outcome(booking=booking, outcome=outcome, reason=reason)
