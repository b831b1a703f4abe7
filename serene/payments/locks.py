"""A payment is locked last, after the rows of the booking domain (bookings/locks.py: customer,
expert, bookings), so the lock order of every write that touches money stays one fixed order."""
from __future__ import annotations

from dataclasses import dataclass

from serene.bookings.locks import BookingLocked, lock_booking
from serene.core.errors import NotFound
from serene.core.locking import locks_begin

from .models import Payment


@dataclass(frozen=True)
class PaymentLocked(BookingLocked):
    """A payment with its booking and the booking's expert, all locked (the payment last); what
    holds a booking and its expert locked, and more."""

    payment: Payment


def lock_payment(*, payment_id: int) -> Payment:
    """The payment alone: call it after whatever rows of the booking domain the transaction needs."""
    locks_begin()
    return Payment.objects.select_for_update(of=("self",)).get(pk=payment_id)


def lock_payment_after(locked: BookingLocked, *, payment_id: int) -> PaymentLocked:
    """Add the payment to a booking and expert already locked."""
    return PaymentLocked(expert=locked.expert, booking=locked.booking, payment=lock_payment(payment_id=payment_id))


def lock_booking_and_payment(*, booking_id: int, payment_id: int) -> PaymentLocked:
    """A booking after its expert, then its payment. NotFound when there is no such booking."""
    return lock_payment_after(lock_booking(booking_id=booking_id), payment_id=payment_id)


def lock_payment_with_booking(*, payment_id: int) -> PaymentLocked:
    """A payment with its booking's expert and booking, in the fixed order. NotFound when there is no
    such payment."""
    booking_id = Payment.objects.filter(pk=payment_id).values_list("booking_id", flat=True).first()
    if booking_id is None:
        raise NotFound("There is no payment with that id.")
    return lock_booking_and_payment(booking_id=booking_id, payment_id=payment_id)
