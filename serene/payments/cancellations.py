"""The money side of a booking that will not go ahead: cancel or reject it through the booking
services, decide in the same transaction what is owed back, then refund it outside the transaction.

A customer cancelling at least CANCELLATION_WINDOW_HOURS before the start, the expert or staff
cancelling, or the expert declining a paid booking: the full amount goes back. A customer
cancelling later: nothing goes back (money outcome not_refunded). A booking cancelled before any
payment arrived owes nothing now; a payment that arrives later is refunded in full (events.py).
"""
from __future__ import annotations

import logging

from django.db import transaction

from serene.accounts.models import User
from serene.bookings.lifecycle import booking_set_money_outcome
from serene.bookings.models import Booking, MoneyOutcome
from serene.bookings.moves import booking_cancel, booking_reject
from serene.core.locking import lock_rows, retry_on_lock_conflict

from .gateway import GatewayUnavailable
from .models import MONEY_MOVED_STATUSES, Payment
from .refunds import payment_owe_in_full, payment_refund_settle

logger = logging.getLogger(__name__)

CANCELLED_REFUND_REASON = "The session was cancelled. We refunded the full amount."
REJECTED_REFUND_REASON = "The expert could not take this session. We refunded the full amount."
LATE_CANCEL_REASON = "Cancelled by the customer within the cancellation window: no refund is due."


def booking_cancel_with_refund(*, booking_id: int, by: User, reason: str = "") -> Booking:
    """Cancel a booking for its customer, its expert or staff, and refund what the policy says is due."""
    payment_id = _cancel_in_transaction(booking_id=booking_id, by=by, reason=reason)
    _settle(payment_id)
    return Booking.objects.get(pk=booking_id)


def booking_reject_with_refund(*, booking_id: int, by: User, reason: str = "") -> Booking:
    """The expert declines a booking waiting for approval; its payment goes back in full."""
    payment_id = _reject_in_transaction(booking_id=booking_id, by=by, reason=reason)
    _settle(payment_id)
    return Booking.objects.get(pk=booking_id)


@retry_on_lock_conflict
@transaction.atomic
def _cancel_in_transaction(*, booking_id: int, by: User, reason: str) -> int | None:
    cancellation = booking_cancel(booking_id=booking_id, by=by, reason=reason)  # locks expert, then booking
    booking = cancellation.booking
    payment = _locked_paid_payment(booking)
    if payment is None:
        return None
    if not cancellation.refund_due:
        booking_set_money_outcome(booking=booking, outcome=MoneyOutcome.NOT_REFUNDED, reason=LATE_CANCEL_REASON)
        return None
    payment_owe_in_full(payment=payment, booking=booking, reason=CANCELLED_REFUND_REASON)
    return payment.pk


@retry_on_lock_conflict
@transaction.atomic
def _reject_in_transaction(*, booking_id: int, by: User, reason: str) -> int | None:
    booking = booking_reject(booking_id=booking_id, by=by, reason=reason)
    payment = _locked_paid_payment(booking)
    if payment is None:
        return None
    payment_owe_in_full(payment=payment, booking=booking, reason=REJECTED_REFUND_REASON)
    return payment.pk


def _locked_paid_payment(booking: Booking) -> Payment | None:
    """The booking's own captured payment, locked after the booking (the fixed order)."""
    payment_id = (Payment.objects.filter(booking=booking, stray_of=None, status__in=MONEY_MOVED_STATUSES)
                  .values_list("pk", flat=True).first())
    return lock_rows(payment_id=payment_id).payment if payment_id is not None else None


def _settle(payment_id: int | None) -> None:
    if payment_id is None:
        return
    try:
        payment_refund_settle(payment_id=payment_id)
    except GatewayUnavailable as error:  # the refund stays owed; the sweep asks again
        logger.warning("Refund of payment row %s waits for the sweep: %s", payment_id, error.message)
