"""Moves people ask for (cancel, approve, reject, no-show) and the ones time makes (completion).

Each locks the booking after its expert (serene.core.locking.lock_booking) and moves it through
lifecycle.booking_move, which records who did it and why. No money moves here: payments calls
these and then refunds what they say is due.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from serene.accounts.models import User
from serene.core.errors import Forbidden, InvalidInput, NotFound
from serene.core.locking import retry_on_lock_conflict

from .locks import lock_booking, lock_bookings
from .lifecycle import CUSTOMER, EXPERT, STAFF, SYSTEM, booking_move
from .models import Booking, BookingStatus


def actor_for(*, user: User, booking: Booking) -> str:
    """Who `user` is to this booking; NotFound for anyone who may not see it (invariant 6)."""
    if booking.customer_id == user.pk:
        return CUSTOMER
    if booking.expert.user_id == user.pk:
        return EXPERT
    if user.is_staff:
        return STAFF
    raise NotFound("There is no session with that id.")


@dataclass(frozen=True)
class Cancellation:
    booking: Booking
    refund_due: bool  # the full amount goes back (if it was paid)


def customer_window_open(*, booking: Booking, now: datetime) -> bool:
    """The one time rule of the policy: until CANCELLATION_WINDOW_HOURS before the start (that
    moment included) a customer's cancel is refunded in full and the booking may be moved."""
    return booking.starts_at - now >= timedelta(hours=settings.CANCELLATION_WINDOW_HOURS)


def cancellation_refund_due(*, booking: Booking, actor: str, now: datetime, status: str = "") -> bool:
    """The policy: the expert or staff cancelling refunds in full, as does cancelling a booking still
    awaiting approval; a customer does at least CANCELLATION_WINDOW_HOURS before the start, and gets
    nothing back later. `status` is the booking's state before the cancellation, if it has moved."""
    if actor in (EXPERT, STAFF) or (status or booking.status) == BookingStatus.AWAITING_APPROVAL:
        return True
    return customer_window_open(booking=booking, now=now)


@retry_on_lock_conflict
@transaction.atomic
def booking_cancel(*, booking_id: int, by: User, reason: str = "") -> Cancellation:
    """Cancel a booking for its customer, its expert or staff; the slot is free at once.

    Moves no money: people cancel through payments.cancellations, which calls this and then refunds
    what `refund_due` says.
    """
    booking = lock_booking(booking_id=booking_id).booking
    actor = actor_for(user=by, booking=booking)
    now = timezone.now()
    if booking.status in (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL) and booking.starts_at <= now:
        raise InvalidInput("This session has already started, so it can no longer be cancelled.", code="too_late")
    refund_due = cancellation_refund_due(booking=booking, actor=actor, now=now)
    booking_move(booking=booking, to=BookingStatus.CANCELLED, actor=actor, by=by,
                 reason=reason or f"Cancelled by the {actor}.", now=now)
    return Cancellation(booking=booking, refund_due=refund_due)


@retry_on_lock_conflict
@transaction.atomic
def booking_approve(*, booking_id: int, by: User) -> Booking:
    booking = lock_booking(booking_id=booking_id).booking
    actor = actor_for(user=by, booking=booking)
    if actor == CUSTOMER:
        raise Forbidden("Only the expert approves a booking.")
    if booking.starts_at <= timezone.now():
        raise InvalidInput("This session's time has passed, so it can no longer be approved.", code="too_late")
    return booking_move(booking=booking, to=BookingStatus.CONFIRMED, actor=actor, by=by, reason="Approved.")


@retry_on_lock_conflict
@transaction.atomic
def booking_reject(*, booking_id: int, by: User, reason: str = "") -> Booking:
    """The expert declines a paid booking waiting for approval. Moves no money: people decline through
    payments.cancellations, which calls this and then refunds in full."""
    booking = lock_booking(booking_id=booking_id).booking
    actor = actor_for(user=by, booking=booking)
    if actor == CUSTOMER:
        raise Forbidden("Only the expert declines a booking.")
    return booking_move(booking=booking, to=BookingStatus.REJECTED, actor=actor, by=by,
                        reason=reason or "Declined by the expert.")


@retry_on_lock_conflict
@transaction.atomic
def booking_mark_no_show(*, booking_id: int, by: User, reason: str = "") -> Booking:
    """The expert or staff records that the customer never came, once the session has started."""
    booking = lock_booking(booking_id=booking_id).booking
    actor = actor_for(user=by, booking=booking)
    if actor == CUSTOMER:
        raise Forbidden("Only the expert or staff can record a no-show.")
    if booking.starts_at > timezone.now():
        raise InvalidInput("A session can be marked as a no-show only after it has started.", code="too_early")
    return booking_move(booking=booking, to=BookingStatus.NO_SHOW, actor=actor, by=by,
                        reason=reason or "The customer did not come.")




def bookings_complete_finished(*, now: datetime | None = None, limit: int = 500) -> int:
    """Confirmed sessions whose end has passed become completed, each in its own short transaction."""
    now = now or timezone.now()
    due = list(Booking.objects.filter(status=BookingStatus.CONFIRMED, ends_at__lte=now)
               .order_by("ends_at").values_list("pk", flat=True)[:limit])
    completed = 0
    for booking_id in due:
        completed += booking_complete(booking_id=booking_id, now=now)
    return completed


@retry_on_lock_conflict
@transaction.atomic
def booking_complete(*, booking_id: int, now: datetime) -> int:
    """A confirmed session whose end has passed by `now` becomes completed (1), else nothing (0).

    The periodic job calls it for each finished session; the demo data, at each past session's end."""
    [booking] = lock_bookings(booking_ids=[booking_id])
    if booking.status != BookingStatus.CONFIRMED or booking.ends_at > now:
        return 0
    booking_move(booking=booking, to=BookingStatus.COMPLETED, actor=SYSTEM, reason="The session's time ended.", now=now)
    return 1
