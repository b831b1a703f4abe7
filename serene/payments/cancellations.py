"""The money side of a booking that will not go ahead: cancel or reject it through the booking
services, decide in the same transaction what is owed back, then refund it outside the transaction.

A customer cancelling at least CANCELLATION_WINDOW_HOURS before the start, the expert or staff
cancelling, or the expert declining a paid booking: the full amount goes back. A customer
cancelling later: nothing goes back (money outcome not_refunded). A booking cancelled before any
payment arrived owes nothing now; a payment that arrives later is refunded in full (events.py).

Waiting for approval has an end: a booking the expert has not answered APPROVAL_DEADLINE_HOURS
before its start is declined by the system (approvals_expire, run by the scheduler) and refunded in
full, as if the expert had declined it. Approving and that sweep both move the booking under its
lock, so exactly one of them wins.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from serene.accounts.models import User
from serene.bookings.lifecycle import SYSTEM, booking_move, booking_set_money_outcome
from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.bookings.moves import booking_cancel, booking_reject
from serene.core.errors import AppError, Conflict
from serene.bookings.locks import lock_booking
from serene.core.locking import retry_on_lock_conflict

from .locks import lock_booking_and_payment, lock_payment
from .gateway import GatewayUnavailable
from .models import MONEY_MOVED_STATUSES, Payment
from .refunds import payment_owe_in_full, payment_refund_settle

logger = logging.getLogger(__name__)

CANCELLED_REFUND_REASON = "The session was cancelled. We refunded the full amount."
REJECTED_REFUND_REASON = "The expert could not take this session. We refunded the full amount."
LATE_CANCEL_REASON = "Cancelled by the customer within the cancellation window: no refund is due."
UNANSWERED_REASON = "The expert did not answer in time."
STAFF_REFUND_REASON = "Refunded in full by Serene staff."
STAFF_CANCEL_REASON = "Cancelled by Serene staff."


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


def payment_refund_by_staff(*, payment_id: int, by: User) -> Booking:
    """Staff refund a captured payment in full. A booking it keeps that is still ahead is cancelled
    (staff cancelling refunds in full, and frees the time); otherwise (a session that took place, a late
    cancellation, a stray capture) the money is owed back and refunded as a goodwill refund."""
    booking_id = Payment.objects.values_list("booking_id", flat=True).get(pk=payment_id)
    if _keeps_a_booking_ahead(payment_id=payment_id):
        return booking_cancel_with_refund(booking_id=booking_id, by=by, reason=STAFF_CANCEL_REASON)
    _owe_by_staff_in_transaction(booking_id=booking_id, payment_id=payment_id)
    _settle(payment_id)
    return Booking.objects.get(pk=booking_id)


def _keeps_a_booking_ahead(*, payment_id: int) -> bool:
    payment = Payment.objects.select_related("booking").get(pk=payment_id)
    return (payment.stray_of_id is None and payment.status in MONEY_MOVED_STATUSES and not payment.refund_reason
            and payment.booking.status in (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL)
            and payment.booking.starts_at > timezone.now())


@retry_on_lock_conflict
@transaction.atomic
def _owe_by_staff_in_transaction(*, booking_id: int, payment_id: int) -> None:
    locked = lock_booking_and_payment(booking_id=booking_id, payment_id=payment_id)
    payment, booking = locked.payment, locked.booking
    if payment.status not in MONEY_MOVED_STATUSES:
        raise Conflict("Nothing was captured on this payment, so there is nothing to refund.")
    if payment.needs_attention:
        raise Conflict("This payment is flagged: the gateway failed its refunds. Refund it in the Razorpay Dashboard; "
                       "its webhook records the refund and clears the flag.")
    if (payment.stray_of_id is None and booking.status in (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL)
            and booking.starts_at > timezone.now()):
        raise Conflict("This payment's session is still ahead: cancel the booking instead.")
    payment_owe_in_full(payment=payment, booking=booking, reason=STAFF_REFUND_REASON)


def approvals_expire(*, now: datetime | None = None, limit: int = 200) -> int:
    """Decline, as the system, every booking still awaiting approval APPROVAL_DEADLINE_HOURS before its
    start, and refund it in full; returns how many were declined. Safe to run twice at once."""
    now = now or timezone.now()
    deadline = now + timedelta(hours=settings.APPROVAL_DEADLINE_HOURS)
    due = list(Booking.objects.filter(status=BookingStatus.AWAITING_APPROVAL, starts_at__lte=deadline)
               .order_by("starts_at").values_list("pk", flat=True)[:limit])
    declined = 0
    for booking_id in due:
        try:
            rejected, payment_id = _reject_unanswered_in_transaction(booking_id=booking_id, deadline=deadline)
        except AppError as error:  # one busy booking must not stop the others; the next run takes it
            logger.warning("Declining unanswered booking %s failed: %s", booking_id, error.message)
            continue
        declined += rejected
        _settle(payment_id)
    return declined


@retry_on_lock_conflict
@transaction.atomic
def _reject_unanswered_in_transaction(*, booking_id: int, deadline: datetime) -> tuple[bool, int | None]:
    """(whether it was declined, its paid payment's id); not declined when answered or moved meanwhile."""
    booking = lock_booking(booking_id=booking_id).booking
    if booking.status != BookingStatus.AWAITING_APPROVAL or booking.starts_at > deadline:
        return False, None
    booking_move(booking=booking, to=BookingStatus.REJECTED, actor=SYSTEM, reason=UNANSWERED_REASON)
    return True, _owe_rejected_in_full(booking)


@retry_on_lock_conflict
@transaction.atomic
def _reject_in_transaction(*, booking_id: int, by: User, reason: str) -> int | None:
    booking = booking_reject(booking_id=booking_id, by=by, reason=reason)
    return _owe_rejected_in_full(booking)


def _owe_rejected_in_full(booking: Booking) -> int | None:
    """A declined booking's payment goes back in full; returns its id, None when nothing was paid."""
    payment = _locked_paid_payment(booking)
    if payment is None:
        return None
    payment_owe_in_full(payment=payment, booking=booking, reason=REJECTED_REFUND_REASON)
    return payment.pk


def _locked_paid_payment(booking: Booking) -> Payment | None:
    """The booking's own captured payment, locked after the booking (the fixed order)."""
    payment_id = (Payment.objects.filter(booking=booking, stray_of=None, status__in=MONEY_MOVED_STATUSES)
                  .values_list("pk", flat=True).first())
    return lock_payment(payment_id=payment_id) if payment_id is not None else None


def _settle(payment_id: int | None) -> None:
    if payment_id is None:
        return
    try:
        payment_refund_settle(payment_id=payment_id)
    except GatewayUnavailable as error:  # the refund stays owed; the sweep asks again
        logger.warning("Refund of payment row %s waits for the sweep: %s", payment_id, error.message)
