"""Refunds: their lifecycle as a table, issuing what a payment owes back, and recording what the
gateway did with them, including refunds made by hand in the Razorpay Dashboard.

    created ──▶ processed
       │            │  (the gateway may still report a processed refund failed)
       ▼            ▼
     failed ◀───────┘

A failed refund is final for that attempt, but the money is still owed: another attempt follows,
up to REFUND_ATTEMPTS, and then the payment is flagged for staff (needs_attention) and its
booking's money outcome becomes refund_failed. Serene's own refunds are claimed (a row with its
receipt, in state created) before the gateway is asked, so two callers never refund twice, a
webhook about the refund that arrives before the gateway has answered finds its claim, and a crash
in between is matched up later by the receipt. Gateway calls run outside transactions.

A refund made in the Razorpay Dashboard is staff's decision: once it is under way it cancels a
booking still kept, and Serene refunds nothing more of that booking's payment. If it fails, the
booking is left as it was when it never got under way; when it had (and so had cancelled the
booking), staff are flagged, since only they know what they meant to give back.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from serene.bookings.lifecycle import STAFF, booking_move, booking_set_money_outcome, move_allowed
from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.core.errors import Conflict
from serene.core.locking import lock_rows, retry_on_lock_conflict
from serene.core.money import format_money

from .gateway import GatewayRefund, GatewayRefundStatus, GatewayRefused, get_gateway
from .models import MONEY_MOVED_STATUSES, Payment, PaymentStatus, Refund, RefundEvent, RefundStatus

logger = logging.getLogger(__name__)

R = RefundStatus
REFUND_MOVES: frozenset[tuple[str, str]] = frozenset({
    (R.CREATED, R.PROCESSED),
    (R.CREATED, R.FAILED),
    (R.PROCESSED, R.FAILED),  # the gateway's later word wins: the money came back to us
})
# Refunds in these states count against what a payment owes back.
LIVE_STATUSES = (R.CREATED, R.PROCESSED)
FROM_GATEWAY = {GatewayRefundStatus.PENDING: R.CREATED, GatewayRefundStatus.PROCESSED: R.PROCESSED,
                GatewayRefundStatus.FAILED: R.FAILED}
DASHBOARD_REASON = "Refunded in the Razorpay Dashboard"
RECEIPT_PREFIX = "serene-refund-"


class RefundMoveNotAllowed(Conflict):
    code = "refund_move_not_allowed"


def claim_stale_after() -> timedelta:
    """After this long, a gateway request that was claimed but never answered is surely over."""
    return timedelta(seconds=settings.RAZORPAY_TIMEOUT_SECONDS + 5)


def refund_move(*, refund: Refund, to: str, reason: str = "") -> Refund:
    """Move a refund (its payment locked by the caller) and record the move; refuse what the table does not allow."""
    if not connection.in_atomic_block:
        raise RuntimeError("refund_move must run inside the transaction that locked the payment")
    if refund.status == to:
        return refund
    if (refund.status, to) not in REFUND_MOVES:
        raise RefundMoveNotAllowed(f"A {refund.status} refund cannot become {to}.")
    RefundEvent.objects.create(refund=refund, from_status=refund.status, to_status=to, reason=reason[:240])
    refund.status = to
    fields = ["status", "updated_at"]
    if to == R.FAILED:
        refund.failure_reason = reason[:240]
        fields.append("failure_reason")
    refund.save(update_fields=fields)
    return refund


def _refund_create(**fields) -> Refund:
    refund = Refund.objects.create(**fields)
    RefundEvent.objects.create(refund=refund, from_status="", to_status=refund.status, reason=refund.reason)
    return refund


def _lock_payment(payment_id: int):
    """Lock a payment with its booking's expert and booking (the fixed order); returns Locked."""
    booking_id, expert_id = Payment.objects.values_list("booking_id", "booking__expert_id").get(pk=payment_id)
    return lock_rows(expert_id=expert_id, booking_ids=[booking_id], payment_id=payment_id)


def payment_owe_in_full(*, payment: Payment, booking: Booking, reason: str) -> None:
    """Record, under the caller's locks, that a payment's money goes back in full; settle it after commit."""
    if payment.refund_reason:
        return
    payment.refund_reason = reason[:240]
    payment.save(update_fields=["refund_reason", "updated_at"])
    if payment.stray_of_id is None:
        booking_set_money_outcome(booking=booking, outcome=MoneyOutcome.REFUND_PENDING, reason=reason)


def payment_refund_settle(*, payment_id: int, sync: bool = False) -> None:
    """Bring a payment's money to its end: record what the gateway did with its refunds (when `sync`,
    or when one of ours is still open), then refund whatever it still owes. Safe to repeat anywhere."""
    if sync or _has_open_refunds(payment_id):
        payment_refunds_sync(payment_id=payment_id)
    for _ in range(settings.REFUND_ATTEMPTS + 1):
        claim = _refund_claim(payment_id=payment_id)
        if claim is None:
            return
        payment = claim.payment
        try:
            made = get_gateway().payment_refund(payment.gateway_payment_id, amount=claim.amount_minor,
                                                receipt=claim.receipt, notes={"reason": claim.reason[:250]})
        except GatewayRefused as error:
            # The gateway said no: nothing was made. Record why, and learn what it has (refunded meanwhile?).
            _refund_refused(refund_id=claim.pk, reason=f"The payment provider refused the refund: {error.message}")
            payment_refunds_sync(payment_id=payment_id)
            continue
        _refunds_record(payment_id=payment_id, gateway_refunds=[made], complete=False)
        if made.status != GatewayRefundStatus.FAILED:
            return


def _has_open_refunds(payment_id: int) -> bool:
    return Refund.objects.filter(payment_id=payment_id, status=R.CREATED).exists()


def payment_refunds_sync(*, payment_id: int) -> None:
    """Read the payment's refunds from the gateway and record them: ours by id or receipt, others as external."""
    gateway_payment_id = Payment.objects.values_list("gateway_payment_id", flat=True).get(pk=payment_id)
    if not gateway_payment_id:
        return
    _refunds_record(payment_id=payment_id, gateway_refunds=get_gateway().payment_refunds(gateway_payment_id),
                    complete=True)


@retry_on_lock_conflict
@transaction.atomic
def _refund_claim(*, payment_id: int) -> Refund | None:
    """Claim the next refund attempt of what the payment still owes, or None when nothing is to be asked now."""
    locked = _lock_payment(payment_id)
    payment, booking = locked.payment, locked.booking
    if not payment.refund_reason or payment.needs_attention or payment.status not in MONEY_MOVED_STATUSES:
        return None
    refunds = list(payment.refunds.order_by("pk"))
    if any(refund.status == R.CREATED and refund.gateway_refund_id is None for refund in refunds):
        return None  # a request is in flight (or stranded: the sweep's sync resolves it)
    owed = payment.amount_minor - sum(refund.amount_minor for refund in refunds if refund.status in LIVE_STATUSES)
    if owed <= 0:
        return None
    failed = [refund for refund in refunds if refund.status == R.FAILED and not refund.external]
    if len(failed) >= settings.REFUND_ATTEMPTS:
        _flag(payment=payment, booking=booking, reason=(
            f"The payment provider failed {len(failed)} refunds of this payment; the last: "
            f"{(failed[-1].failure_reason or 'no reason given').rstrip('.')}. Refund it by hand."))
        return None
    claim = _refund_create(payment=payment, receipt=f"{RECEIPT_PREFIX}{payment.pk}-{len(refunds) + 1}",
                           amount_minor=owed, reason=payment.refund_reason, status=R.CREATED)
    _settle_outcome(payment=payment, booking=booking)
    return claim


def _flag(*, payment: Payment, booking: Booking, reason: str) -> None:
    payment.needs_attention = True
    payment.attention_reason = reason[:240]
    payment.save(update_fields=["needs_attention", "attention_reason", "updated_at"])
    logger.error("Payment %s needs staff: %s", payment.gateway_payment_id, reason)
    _settle_outcome(payment=payment, booking=booking)


@retry_on_lock_conflict
@transaction.atomic
def _refund_refused(*, refund_id: int, reason: str) -> None:
    payment_id = Refund.objects.values_list("payment_id", flat=True).get(pk=refund_id)
    locked = _lock_payment(payment_id)
    refund = Refund.objects.get(pk=refund_id)
    if refund.status == R.CREATED and refund.gateway_refund_id is None:
        refund_move(refund=refund, to=R.FAILED, reason=reason)
    _settle_outcome(payment=locked.payment, booking=locked.booking)


@retry_on_lock_conflict
@transaction.atomic
def _refunds_record(*, payment_id: int, gateway_refunds: list[GatewayRefund], complete: bool) -> None:
    """Record what the gateway says of a payment's refunds, under the payment's lock.

    `complete` means the list is all the gateway has: a claim of ours missing from it whose request
    is surely over never reached the gateway, and fails.
    """
    locked = _lock_payment(payment_id)
    payment, booking = locked.payment, locked.booking
    ours = {refund.gateway_refund_id: refund for refund in payment.refunds.exclude(gateway_refund_id=None)}
    claims = {refund.receipt: refund for refund in payment.refunds.filter(gateway_refund_id=None, status=R.CREATED)}
    new_external = []
    for item in gateway_refunds:
        if item.payment_id != payment.gateway_payment_id:
            continue
        refund = ours.get(item.id) or claims.pop(item.receipt, None)
        if refund is None:
            refund = _refund_create(payment=payment, gateway_refund_id=item.id, amount_minor=item.amount,
                                    reason=DASHBOARD_REASON, external=True, status=FROM_GATEWAY[item.status])
            if refund.status in LIVE_STATUSES:  # one that failed at once gave nothing back and ends nothing
                new_external.append(refund)
            continue
        if refund.gateway_refund_id is None:
            refund.gateway_refund_id = item.id
            refund.save(update_fields=["gateway_refund_id", "updated_at"])
        target = FROM_GATEWAY[item.status]
        if (refund.status, target) in REFUND_MOVES:
            refund_move(refund=refund, to=target, reason="The payment provider reported it failed."
                        if target == R.FAILED else "")
            if target == R.FAILED and refund.external and not payment.refund_reason:
                _flag(payment=payment, booking=booking, reason=(
                    f"A refund of {format_money(refund.amount_minor, payment.currency)} made in the Razorpay "
                    "Dashboard failed after it was under way; the booking was left as that refund made it. "
                    "Refund it again by hand, or settle it with the customer."))
    if complete:
        for claim in claims.values():
            if claim.created_at <= timezone.now() - claim_stale_after():
                refund_move(refund=claim, to=R.FAILED, reason="The request never reached the payment provider.")
    _payment_status_from_refunds(payment)
    if payment.needs_attention and _attention_resolved(payment):
        # Staff refunded it by hand (or the gateway came round): nothing is left to attend to.
        payment.needs_attention = False
        payment.save(update_fields=["needs_attention", "updated_at"])
    if new_external and payment.stray_of_id is None:
        _dashboard_refund_ends_booking(refund=new_external[0], booking=booking)
    _settle_outcome(payment=payment, booking=booking)


def _attention_resolved(payment: Payment) -> bool:
    """A flagged payment is settled: refunded in full, or (flagged for a failed Dashboard refund, with
    nothing owed by Serene) refunded again in the Dashboard since; and no refund is still open."""
    refunds = list(payment.refunds.order_by("pk"))
    if any(refund.status == R.CREATED for refund in refunds):
        return False
    if payment.status == PaymentStatus.REFUNDED:
        return True
    if payment.refund_reason:
        return False
    failed = [refund.pk for refund in refunds if refund.external and refund.status == R.FAILED]
    return bool(failed) and any(refund.external and refund.status == R.PROCESSED and refund.pk > max(failed)
                                for refund in refunds)


def dashboard_refund_ended(booking: Booking) -> bool:
    """A refund made in the Razorpay Dashboard cancelled this booking: its money is staff's decision."""
    return booking.status == BookingStatus.CANCELLED and \
        Refund.objects.filter(payment__booking=booking, payment__stray_of=None, cancelled_booking=True).exists()


def _payment_status_from_refunds(payment: Payment) -> None:
    if payment.status not in MONEY_MOVED_STATUSES:
        return
    refunded = sum(payment.refunds.filter(status__in=LIVE_STATUSES).values_list("amount_minor", flat=True))
    status = (PaymentStatus.REFUNDED if refunded >= payment.amount_minor
              else PaymentStatus.PARTIALLY_REFUNDED if refunded else PaymentStatus.CAPTURED)
    if status != payment.status:
        payment.status = status
        payment.save(update_fields=["status", "updated_at"])


def _dashboard_refund_ends_booking(*, refund: Refund, booking: Booking) -> None:
    """Someone refunded this booking's payment by hand: a booking still kept is cancelled, with nothing
    more owed, and the refund records that it did so."""
    if move_allowed(source=booking.status, target=BookingStatus.CANCELLED, actor=STAFF):
        booking_move(booking=booking, to=BookingStatus.CANCELLED, actor=STAFF, reason=DASHBOARD_REASON)
        refund.cancelled_booking = True
        refund.save(update_fields=["cancelled_booking", "updated_at"])


def _settle_outcome(*, payment: Payment, booking: Booking) -> None:
    """The booking's money outcome, from its own payment's refunds (a stray's refunds are not the booking's)."""
    if payment.stray_of_id is not None:
        return
    refunds = list(payment.refunds.all())
    processed = sum(refund.amount_minor for refund in refunds if refund.status == R.PROCESSED)
    external = any(refund.external and refund.status in LIVE_STATUSES for refund in refunds)
    if processed >= payment.amount_minor:
        outcome, reason = MoneyOutcome.REFUNDED_IN_FULL, "Refunded in full."
    elif payment.needs_attention:
        outcome, reason = MoneyOutcome.REFUND_FAILED, payment.attention_reason
    elif payment.refund_reason or any(refund.status == R.CREATED for refund in refunds):
        outcome, reason = MoneyOutcome.REFUND_PENDING, payment.refund_reason or "A refund is under way."
    elif processed:
        outcome, reason = MoneyOutcome.REFUNDED_IN_PART, "Refunded in part."
    else:
        return
    if external and outcome in (MoneyOutcome.REFUNDED_IN_FULL, MoneyOutcome.REFUNDED_IN_PART):
        reason = f"{DASHBOARD_REASON}: {reason.lower()}"
    booking_set_money_outcome(booking=booking, outcome=outcome, reason=reason)
