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
from datetime import datetime

from django.db import transaction

from serene.bookings.lifecycle import SYSTEM, booking_move
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.selectors import LATE_PAYMENT_REFUNDED
from serene.bookings.services import (HOLD_RAN_OUT, booking_clear_way_to_confirm, booking_confirm_paid,
                                      booking_time_taken)
from serene.bookings.locks import lock_booking
from serene.core.locking import retry_on_lock_conflict
from serene.core.money import format_money

from .locks import PaymentLocked, lock_payment_after
from .captures import KEEPS, STRAYS, Capture, CaptureFacts, CaptureKind, SeenOn, capture_classify, hold_lapsed
from .gateway import (MONEY_MOVED, GatewayPayment, GatewayPaymentStatus, GatewayRefused, GatewayUnavailable,
                      get_gateway)
from .models import MONEY_MOVED_STATUSES, Payment, PaymentStatus, RefundStatus
from .payment_lifecycle import GATEWAY, payment_create, payment_move
from .refund_lifecycle import LIVE_STATUSES
from .refund_sync import dashboard_refund_ended
from .refunds import payment_owe_in_full, payment_refund_settle

logger = logging.getLogger(__name__)

NOT_KEPT_REASONS: dict[str, str] = {
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
             .values_list("pk", "booking_id").first())
    if found is None:
        logger.warning("Gateway payment %s is for order %s, which is not ours", snapshot.id, snapshot.order_id)
        return None
    payment_pk, booking_id = found
    booking_locked = lock_booking(booking_id=booking_id)
    judged_at = None
    if snapshot.status in MONEY_MOVED:
        judged_at = booking_clear_way_to_confirm(locked=booking_locked)  # more bookings: before the payment, in order
    locked = lock_payment_after(booking_locked, payment_id=payment_pk)
    payment, booking = locked.payment, locked.booking

    if snapshot.status not in MONEY_MOVED:
        _record_attempt(payment, snapshot)
        return None
    if judged_at is None:  # judged above for every status in MONEY_MOVED
        raise RuntimeError(f"Gateway payment {snapshot.id} moved money but its booking's way was not cleared.")

    known = Payment.objects.filter(gateway_payment_id=snapshot.id).first()
    capture = capture_classify(_capture_facts(payment=payment, booking=booking, snapshot=snapshot, known=known,
                                              judged_at=judged_at))
    if capture.kind == CaptureKind.STRAY_SEEN:
        assert known is not None  # the stray's row the classification was told of
        return known.pk, True, _refunds_differ(known, snapshot)
    if capture.kind in STRAYS:
        stray = _record_stray(payment=payment, booking=booking, snapshot=snapshot,
                              mismatch=capture.kind == CaptureKind.STRAY_MISMATCH)
        return stray.pk, True, snapshot.amount_refunded > 0
    if capture.records_capture:
        _record_capture(payment=payment, booking=booking, snapshot=snapshot)
    _decide(capture=capture, locked=locked, snapshot=snapshot, judged_at=judged_at)
    return payment.pk, bool(payment.refund_reason), _refunds_differ(payment, snapshot)


def _capture_facts(*, payment: Payment, booking: Booking, snapshot: GatewayPayment, known: Payment | None,
                   judged_at: datetime) -> CaptureFacts:
    """What capture_classify needs, read under the locks (whether the time is taken only when it matters)."""
    seen_on = SeenOn.NONE if known is None else SeenOn.ORDER if known.pk == payment.pk else SeenOn.STRAY
    lapsed = hold_lapsed(booking_status=booking.status, hold_expires_at=booking.hold_expires_at, judged_at=judged_at)
    return CaptureFacts(
        amount_minor=snapshot.amount, currency=snapshot.currency, seen_on=seen_on, order_status=payment.status,
        order_payment_id=payment.gateway_payment_id, order_amount_minor=payment.amount_minor,
        order_currency=payment.currency, order_refund_reason=payment.refund_reason, booking_status=booking.status,
        hold_expires_at=booking.hold_expires_at, money_outcome=booking.money_outcome,
        dashboard_refund_ended=dashboard_refund_ended(booking), judged_at=judged_at,
        time_taken=booking_time_taken(booking=booking, now=judged_at) if lapsed and seen_on != SeenOn.STRAY else None)


def _decide(*, capture: Capture, locked: PaymentLocked, snapshot: GatewayPayment, judged_at: datetime) -> None:
    """Apply what the capture means for the booking: keep it, or owe the money back in full."""
    payment, booking = locked.payment, locked.booking
    if capture.kind in (CaptureKind.ALREADY_DECIDED, CaptureKind.ALREADY_KEPT):
        return
    if capture.kind in KEEPS:
        # Bookings has the last word: the no-overlap constraint may still refuse the time.
        kept = booking_confirm_paid(locked=locked, now=judged_at)
    else:
        kept = False
        if capture.kind == CaptureKind.LATE_TIME_TAKEN and booking.status == BookingStatus.PENDING:
            booking_move(booking=booking, to=BookingStatus.EXPIRED, actor=SYSTEM, reason=HOLD_RAN_OUT, now=judged_at)
    if not kept:
        payment_owe_in_full(payment=payment, booking=booking, reason=_why_not_kept(booking))
    if capture.late:
        _log_on_commit("Late payment decision: payment %s booking %s %s", snapshot.id, booking.public_id,
                       f"kept (booking {booking.status})" if kept
                       else f"refund owed in full (booking {booking.status}: the time was taken)")
    elif not kept:
        _log_on_commit("Payment decision: payment %s booking %s refund owed in full (booking %s)", snapshot.id,
                       booking.public_id, booking.status)


def _log_on_commit(message: str, *args) -> None:
    """A money event, logged at INFO once its transaction has committed (a rolled-back one did not happen)."""
    transaction.on_commit(lambda: logger.info(message, *args))


def _record_attempt(payment: Payment, snapshot: GatewayPayment) -> None:
    """A payment tried on the order, not (yet) captured: the order is attempted, with why it failed if it did."""
    if payment.status not in (PaymentStatus.CREATED, PaymentStatus.ATTEMPTED):
        return
    errors = {}
    if snapshot.status == GatewayPaymentStatus.FAILED:
        errors = {"error_code": snapshot.failure_reason[:40], "error_description": snapshot.failure_description[:240]}
    if payment.status == PaymentStatus.CREATED:
        payment_move(payment=payment, to=PaymentStatus.ATTEMPTED, source=GATEWAY, changes=errors,
                     reason=f"Payment {snapshot.id} {snapshot.status}"
                            + (f": {snapshot.failure_description}" if errors else "."))
    else:  # tried again on the same order: it stays attempted (with why it failed, if it did)
        for field, value in errors.items():
            setattr(payment, field, value)
        payment.save(update_fields=[*errors, "updated_at"])


def _record_capture(*, payment: Payment, booking: Booking, snapshot: GatewayPayment) -> None:
    payment_move(payment=payment, to=PaymentStatus.CAPTURED, source=GATEWAY,
                 reason=f"Payment {snapshot.id} captured ({snapshot.method or 'method unknown'}).",
                 changes={"gateway_payment_id": snapshot.id, "method": snapshot.method, "error_code": "",
                          "error_description": ""})
    _log_on_commit("Payment captured: payment %s order %s booking %s amount %s %s (%s)", snapshot.id,
                   payment.gateway_order_id, booking.public_id, payment.amount_minor, payment.currency,
                   snapshot.method or "method unknown")


def _record_stray(*, payment: Payment, booking: Booking, snapshot: GatewayPayment, mismatch: bool) -> Payment:
    if mismatch:
        reason = (f"The payment of {format_money(snapshot.amount, snapshot.currency)} does not match the order's "
                  f"{format_money(payment.amount_minor, payment.currency)}. We refunded it in full.")
    else:
        reason = SECOND_CAPTURE_REASON
    logger.error("Order %s: stray captured payment %s (%s)", payment.gateway_order_id, snapshot.id, reason)
    return payment_create(
        source=GATEWAY, reason=f"Stray payment {snapshot.id} captured on order {payment.gateway_order_id}.",
        booking=booking, gateway_order_id=payment.gateway_order_id, stray_of=payment, gateway_payment_id=snapshot.id,
        amount_minor=snapshot.amount, currency=snapshot.currency, status=PaymentStatus.CAPTURED,
        method=snapshot.method, refund_reason=reason[:240])


def _refunds_differ(payment: Payment, snapshot: GatewayPayment) -> bool:
    """The gateway counts refunds we have not recorded (made in its Dashboard, say), or ours are still open."""
    if payment.status not in MONEY_MOVED_STATUSES:
        return False
    live = payment.refunds.filter(status__in=LIVE_STATUSES)
    return snapshot.amount_refunded != sum(live.values_list("amount_minor", flat=True)) or \
        live.filter(status=RefundStatus.CREATED).exists()


def _why_not_kept(booking: Booking) -> str:
    return NOT_KEPT_REASONS.get(booking.status, "This payment pays for no session we can keep. We refunded it in full.")
