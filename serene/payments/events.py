"""Applying what the gateway says happened to a payment: the one place a capture becomes a booking
or a debt to refund.

Invariant 3 (no paid money is lost) lives here: every captured payment ends in a kept booking
(confirmed or awaiting approval) or is owed back in full (refund_reason) and handed to refunds.py,
and that decision is taken in the same transaction that records the capture. A captured payment the
booking never asked for (a second capture on the order, or an amount or currency that differs from
the order's) is recorded as a stray Payment and refunded in full. Invariant 4 (exactly once):
verify, webhooks and reconciliation all come through payment_apply, which locks expert, booking and
payment and only moves states forward.
"""
from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.bookings.selectors import LATE_PAYMENT_REFUNDED
from serene.bookings.services import booking_clear_way_to_confirm, booking_confirm_paid
from serene.core.locking import lock_rows, retry_on_lock_conflict
from serene.core.money import format_money

from .gateway import (MONEY_MOVED, GatewayPayment, GatewayPaymentStatus, GatewayRefused, GatewayUnavailable,
                      get_gateway)
from .models import MONEY_MOVED_STATUSES, OPEN_STATUSES, Payment, PaymentStatus, RefundStatus
from .refund_lifecycle import LIVE_STATUSES
from .refund_sync import dashboard_refund_ended
from .refunds import payment_owe_in_full, payment_refund_settle

logger = logging.getLogger(__name__)

NOT_KEPT_REASONS = {
    BookingStatus.EXPIRED: LATE_PAYMENT_REFUNDED,
    BookingStatus.CANCELLED: "The session was cancelled before the payment arrived. We refunded the full amount.",
    BookingStatus.REJECTED: "The expert had declined the session before the payment arrived. We refunded the full amount.",
}
SECOND_CAPTURE_REASON = "A second payment was captured on an order that was already paid. We refunded it in full."


def payment_sync(*, gateway_payment_id: str, sync_refunds: bool = False) -> None:
    """Fetch one payment from the gateway, capture it if it is only authorised, and apply it."""
    gateway = get_gateway()
    snapshot = gateway.payment_fetch(gateway_payment_id)
    if snapshot.status == GatewayPaymentStatus.AUTHORIZED and \
            Payment.objects.filter(gateway_order_id=snapshot.order_id, stray_of=None).exists():
        try:
            snapshot = gateway.payment_capture(snapshot.id, amount=snapshot.amount, currency=snapshot.currency)
        except GatewayRefused:
            snapshot = gateway.payment_fetch(gateway_payment_id)  # captured meanwhile by someone else
    payment_apply(snapshot=snapshot, sync_refunds=sync_refunds)


def payment_apply(*, snapshot: GatewayPayment, sync_refunds: bool = False) -> None:
    """Apply a gateway payment to our records; then refund whatever that leaves owed.

    `sync_refunds` re-reads the payment's refunds from the gateway even when nothing seems owed (a
    refund event arrived). A refund the gateway cannot take just now stays owed; the sweep asks again.
    """
    applied = _apply_in_transaction(snapshot)
    if applied is None:
        return
    payment_id, settle, sync = applied
    if not (settle or sync or sync_refunds):
        return
    try:
        payment_refund_settle(payment_id=payment_id, sync=sync or sync_refunds)
    except GatewayUnavailable as error:
        logger.warning("Settling the refunds of payment %s waits for the sweep: %s", snapshot.id, error.message)


@retry_on_lock_conflict
@transaction.atomic
def _apply_in_transaction(snapshot: GatewayPayment) -> tuple[int, bool, bool] | None:
    """Record the snapshot. For money that moved, return (its payment row, whether money is owed back,
    whether the gateway's refunds differ from ours)."""
    found = (Payment.objects.filter(gateway_order_id=snapshot.order_id, stray_of=None)
             .values_list("pk", "booking_id", "booking__expert_id").first())
    if found is None:
        logger.warning("Gateway payment %s is for order %s, which is not ours", snapshot.id, snapshot.order_id)
        return None
    payment_pk, booking_id, expert_id = found
    locked = lock_rows(expert_id=expert_id, booking_ids=[booking_id])
    judged_at = None
    if snapshot.status in MONEY_MOVED:
        judged_at = booking_clear_way_to_confirm(locked=locked)  # more bookings: before the payment, in order
    locked.payment = lock_rows(payment_id=payment_pk).payment
    payment, booking = locked.payment, locked.booking

    if snapshot.status not in MONEY_MOVED:
        _record_attempt(payment, snapshot)
        return None

    known = Payment.objects.filter(gateway_payment_id=snapshot.id).first()
    mismatch = snapshot.amount != payment.amount_minor or snapshot.currency != payment.currency
    if known is not None and known.pk != payment.pk:
        return known.pk, True, _refunds_differ(known, snapshot)  # a stray seen before
    if known is None and (mismatch or payment.gateway_payment_id or payment.status not in (*OPEN_STATUSES,
                                                                                          PaymentStatus.FAILED)):
        stray = _record_stray(payment=payment, booking=booking, snapshot=snapshot, mismatch=mismatch)
        return stray.pk, True, snapshot.amount_refunded > 0
    if known is None:
        payment.status = PaymentStatus.CAPTURED
        payment.gateway_payment_id = snapshot.id
        payment.method = snapshot.method
        payment.captured_at = timezone.now()
        payment.error_code = payment.error_description = ""
        payment.save()
        _log_on_commit("Payment captured: payment %s order %s booking %s amount %s %s (%s)", snapshot.id,
                       payment.gateway_order_id, booking.public_id, payment.amount_minor, payment.currency,
                       snapshot.method or "method unknown")

    # Decide once. (A refund due without its reason recorded is what an older version left after a crash;
    # a booking a Dashboard refund cancelled is staff's decision, even while that refund is pending.)
    if not payment.refund_reason and booking.money_outcome in (MoneyOutcome.NONE, MoneyOutcome.REFUND_PENDING) \
            and not dashboard_refund_ended(booking):
        late = booking.status == BookingStatus.EXPIRED or (
            booking.status == BookingStatus.PENDING and booking.hold_expires_at is not None
            and booking.hold_expires_at <= judged_at)
        kept = booking_confirm_paid(locked=locked, now=judged_at)
        if not kept:
            payment_owe_in_full(payment=payment, booking=booking, reason=_why_not_kept(booking))
        if late:
            _log_on_commit("Late payment decision: payment %s booking %s %s", snapshot.id, booking.public_id,
                           f"kept (booking {booking.status})" if kept
                           else f"refund owed in full (booking {booking.status}: the time was taken)")
        elif not kept:
            _log_on_commit("Payment decision: payment %s booking %s refund owed in full (booking %s)", snapshot.id,
                           booking.public_id, booking.status)
    return payment.pk, bool(payment.refund_reason), _refunds_differ(payment, snapshot)


def _log_on_commit(message: str, *args) -> None:
    """A money event, logged at INFO once its transaction has committed (a rolled-back one did not happen)."""
    transaction.on_commit(lambda: logger.info(message, *args))


def _record_attempt(payment: Payment, snapshot: GatewayPayment) -> None:
    if payment.status not in (PaymentStatus.CREATED, PaymentStatus.ATTEMPTED):
        return
    payment.status = PaymentStatus.ATTEMPTED
    fields = ["status", "updated_at"]
    if snapshot.status == GatewayPaymentStatus.FAILED:
        payment.error_code = snapshot.failure_reason[:40]
        payment.error_description = snapshot.failure_description[:240]
        fields += ["error_code", "error_description"]
    payment.save(update_fields=fields)


def _record_stray(*, payment: Payment, booking: Booking, snapshot: GatewayPayment, mismatch: bool) -> Payment:
    if mismatch:
        reason = (f"The payment of {format_money(snapshot.amount, snapshot.currency)} does not match the order's "
                  f"{format_money(payment.amount_minor, payment.currency)}. We refunded it in full.")
    else:
        reason = SECOND_CAPTURE_REASON
    logger.error("Order %s: stray captured payment %s (%s)", payment.gateway_order_id, snapshot.id, reason)
    return Payment.objects.create(
        booking=booking, gateway_order_id=payment.gateway_order_id, stray_of=payment, gateway_payment_id=snapshot.id,
        amount_minor=snapshot.amount, currency=snapshot.currency, status=PaymentStatus.CAPTURED,
        method=snapshot.method, captured_at=timezone.now(), refund_reason=reason[:240])


def _refunds_differ(payment: Payment, snapshot: GatewayPayment) -> bool:
    """The gateway counts refunds we have not recorded (made in its Dashboard, say), or ours are still open."""
    if payment.status not in MONEY_MOVED_STATUSES:
        return False
    live = payment.refunds.filter(status__in=LIVE_STATUSES)
    return snapshot.amount_refunded != sum(live.values_list("amount_minor", flat=True)) or \
        live.filter(status=RefundStatus.CREATED).exists()


def _why_not_kept(booking: Booking) -> str:
    return NOT_KEPT_REASONS.get(booking.status, "This payment pays for no session we can keep. We refunded it in full.")
