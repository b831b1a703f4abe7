"""What the gateway reports of a payment's refunds, recorded: ours matched by id or receipt, and
refunds made by hand in the Razorpay Dashboard recorded as external.

A refund made in the Razorpay Dashboard is staff's decision. Once the refunds under way give back the
whole payment, it cancels a booking still kept (the refund records that it did, cancelled_booking),
and Serene refunds nothing more of that booking's payment. A partial one (a goodwill ₹100, say) is
recorded, shown on the payment and on the booking's timeline, and the session stays on. If a refund
fails, the booking is left as it was when it never got under way; when it had, staff are flagged,
since only they know what they meant to give back.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from serene.bookings.lifecycle import STAFF, booking_move, booking_record_note, move_allowed
from serene.bookings.models import Booking, BookingStatus
from serene.core.locking import retry_on_lock_conflict
from serene.core.money import format_money

from .gateway import GatewayRefund, GatewayRefundStatus, claim_stale_after, get_gateway
from .models import Payment, PaymentStatus, Refund, RefundStatus
from .locks import lock_payment_with_booking
from .refund_lifecycle import (DASHBOARD_REASON, LIVE_STATUSES, REFUND_MOVES, booking_outcome_from_refunds, payment_flag,
                               payment_status_from_refunds, refund_create, refund_move)

FROM_GATEWAY = {GatewayRefundStatus.PENDING: RefundStatus.CREATED, GatewayRefundStatus.PROCESSED: RefundStatus.PROCESSED,
                GatewayRefundStatus.FAILED: RefundStatus.FAILED}


def payment_refunds_sync(*, payment_id: int) -> None:
    """Read the payment's refunds from the gateway and record them: ours by id or receipt, others as external."""
    gateway_payment_id = Payment.objects.values_list("gateway_payment_id", flat=True).get(pk=payment_id)
    if not gateway_payment_id:
        return
    refunds_record(payment_id=payment_id, gateway_refunds=get_gateway().payment_refunds(gateway_payment_id),
                   complete=True)


@retry_on_lock_conflict
@transaction.atomic
def refunds_record(*, payment_id: int, gateway_refunds: list[GatewayRefund], complete: bool) -> None:
    """Record what the gateway says of a payment's refunds, under the payment's lock.

    `complete` means the list is all the gateway has: a claim of ours missing from it whose request
    is surely over never reached the gateway, and fails.
    """
    locked = lock_payment_with_booking(payment_id=payment_id)
    payment, booking = locked.payment, locked.booking
    ours = {refund.gateway_refund_id: refund for refund in payment.refunds.exclude(gateway_refund_id=None)}
    claims = {refund.receipt: refund for refund in payment.refunds.filter(gateway_refund_id=None, status=RefundStatus.CREATED)}
    new_external = []
    for item in gateway_refunds:
        if item.payment_id != payment.gateway_payment_id:
            continue
        refund = ours.get(item.id) or claims.pop(item.receipt, None)
        if refund is None:
            refund = refund_create(payment=payment, gateway_refund_id=item.id, amount_minor=item.amount,
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
                        if target == RefundStatus.FAILED else "")
            if target == RefundStatus.FAILED and refund.external and not payment.refund_reason:
                payment_flag(payment=payment, booking=booking, reason=(
                    f"A refund of {format_money(refund.amount_minor, payment.currency)} made in the Razorpay "
                    "Dashboard failed after it was under way; the booking was left as that refund made it"
                    + ("" if refund.cancelled_booking else " (still on)")
                    + ". Refund it again by hand, or settle it with the customer."))
    if complete:
        for claim in claims.values():
            if claim.created_at <= timezone.now() - claim_stale_after():
                refund_move(refund=claim, to=RefundStatus.FAILED, reason="The request never reached the payment provider.")
    payment_status_from_refunds(payment)
    if payment.needs_attention and _attention_resolved(payment):
        # Staff refunded it by hand (or the gateway came round): nothing is left to attend to.
        payment.needs_attention = False
        payment.save(update_fields=["needs_attention", "updated_at"])
    if new_external and payment.stray_of_id is None:
        _dashboard_refunds_recorded(refunds=new_external, payment=payment, booking=booking)
    booking_outcome_from_refunds(payment=payment, booking=booking)


def _attention_resolved(payment: Payment) -> bool:
    """A flagged payment is settled: refunded in full, or (flagged for a failed Dashboard refund, with
    nothing owed by Serene) refunded again in the Dashboard since; and no refund is still open."""
    refunds = list(payment.refunds.order_by("pk"))
    if any(refund.status == RefundStatus.CREATED for refund in refunds):
        return False
    if payment.status == PaymentStatus.REFUNDED:
        return True
    if payment.refund_reason:
        return False
    failed = [refund.pk for refund in refunds if refund.external and refund.status == RefundStatus.FAILED]
    return bool(failed) and any(refund.external and refund.status == RefundStatus.PROCESSED and refund.pk > max(failed)
                                for refund in refunds)


def dashboard_refund_ended(booking: Booking) -> bool:
    """A refund made in the Razorpay Dashboard cancelled this booking: its money is staff's decision."""
    return booking.status == BookingStatus.CANCELLED and \
        Refund.objects.filter(payment__booking=booking, payment__stray_of=None, cancelled_booking=True).exists()


def payment_refunded_minor_live(payment: Payment) -> int:
    """What the payment's refunds under way or processed give back."""
    return sum(payment.refunds.filter(status__in=LIVE_STATUSES).values_list("amount_minor", flat=True))


def _dashboard_refunds_recorded(*, refunds: list[Refund], payment: Payment, booking: Booking) -> None:
    """Someone refunded this booking's payment by hand. When the refunds under way now give back the
    whole payment, a booking still kept is cancelled, with nothing more owed, and the last refund records
    that it did so. A part leaves the session on, with a line on its timeline."""
    if payment_refunded_minor_live(payment) < payment.amount_minor:
        for refund in refunds:
            booking_record_note(booking=booking, actor=STAFF, by=None, reason=(
                f"{format_money(refund.amount_minor, payment.currency)} refunded in the Razorpay Dashboard "
                "(part of the payment); the session stays on."))
        return
    if move_allowed(source=booking.status, target=BookingStatus.CANCELLED, actor=STAFF):
        booking_move(booking=booking, to=BookingStatus.CANCELLED, actor=STAFF, reason=DASHBOARD_REASON)
        refund = refunds[-1]
        refund.cancelled_booking = True
        refund.save(update_fields=["cancelled_booking", "updated_at"])
