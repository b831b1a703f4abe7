"""The order in which a transaction locks rows, the one order of every write: the customer, then the
expert, then bookings in ascending id order, then a payment. It follows the layers of the apps (a
row of a lower app before a row of an app built on it): the expert's lock is the experts app's
(experts/locks.py, which availability takes to change the rules), a payment's is the payments app's
(payments/locks.py, always last), and these functions take the rest. So two writers never wait for
each other in opposite orders.

Each function locks its rows with SELECT ... FOR UPDATE, after core.locking.locks_begin (inside a
transaction, lock waits bounded), and returns them as they are now. A transaction takes its rows at
its start, in this order; a later call in the same transaction may only add rows of a later kind
(bookings found under the expert's lock, say). Only booking_hold locks the customer, to count their
holds; every other write of a booking starts with lock_booking.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from serene.accounts.models import User
from serene.core.errors import NotFound
from serene.core.locking import locks_begin
from serene.experts.locks import lock_expert
from serene.experts.models import Expert

from .models import Booking


@dataclass(frozen=True)
class BookingLocked:
    """A booking and its expert, both locked (the expert first)."""

    expert: Expert
    booking: Booking


def lock_customer_and_expert(*, customer_id: int, expert_id: int) -> tuple[User, Expert]:
    """The customer, then the expert: the start of a new hold."""
    locks_begin()
    customer = User.objects.select_for_update(of=("self",)).get(pk=customer_id)
    return customer, lock_expert(expert_id=expert_id)


def lock_bookings(*, booking_ids: Iterable[int]) -> list[Booking]:
    """These bookings, in ascending id order (after their expert, when the caller changes the
    expert's calendar)."""
    locks_begin()
    return [Booking.objects.select_for_update(of=("self",)).get(pk=booking_id)
            for booking_id in sorted(set(booking_ids))]


def lock_booking(*, booking_id: int) -> BookingLocked:
    """A booking after its expert: the usual start of a booking's write. NotFound when there is no
    such booking."""
    expert_id = Booking.objects.filter(pk=booking_id).values_list("expert_id", flat=True).first()
    if expert_id is None:
        raise NotFound("There is no session with that id.")
    expert = lock_expert(expert_id=expert_id)
    [booking] = lock_bookings(booking_ids=[booking_id])
    return BookingLocked(expert=expert, booking=booking)
