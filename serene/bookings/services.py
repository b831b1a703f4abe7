"""Writes of the booking ledger. booking_hold is where invariant 1 (no double booking) is kept.

On PostgreSQL the exclusion constraint booking_no_overlap is the guarantee and the check here only
gives the friendly answer first; on SQLite the transaction starts with BEGIN IMMEDIATE (settings),
so the check and the insert run under the single write lock and cannot interleave.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from serene.accounts.models import User
from serene.availability import engine
from serene.availability.selectors import slot_list_for_day
from serene.core.errors import InvalidInput, ServiceUnavailable, SlotTaken
from serene.core.money import price_for_duration
from serene.experts.models import Expert

from .models import Booking, BookingStatus

EXCLUSION_VIOLATION = "23P01"
LOCK_NOT_AVAILABLE = "55P03"
RETRYABLE = {"40P01", "40001"}  # deadlock detected, serialization failure
ATTEMPTS = 3
UNAVAILABLE_MESSAGES = {
    engine.PAST: "That time has already passed. Please choose a later time.",
    engine.NOTICE: "That time is too soon: this expert needs more notice. Please choose a later time.",
    engine.HORIZON: "That time is too far ahead: this expert does not take bookings that far out yet.",
}


def _lock_expert(expert: Expert) -> None:
    """Holds for one expert queue on the expert's row (PostgreSQL), with a short lock timeout.

    The exclusion constraint alone is enough for correctness, but concurrent conflicting inserts
    can deadlock on each other's uncommitted rows; one row lock in a fixed place avoids that.
    SQLite's IMMEDIATE transaction already serialises writers, and there this is a plain read.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)",
                           [f"{settings.BOOKING_LOCK_TIMEOUT_SECONDS * 1000}ms"])
    Expert.objects.select_for_update().filter(pk=expert.pk).values_list("pk", flat=True).first()


def _sqlstate(error: Exception) -> str | None:
    return getattr(error.__cause__, "sqlstate", None)


def _requested_slot(*, expert: Expert, starts_at: datetime, duration_minutes: int, now: datetime) -> engine.Slot:
    """The engine's view of the requested slot, or InvalidInput when it is not a slot at all."""
    expert_day = starts_at.astimezone(ZoneInfo(expert.time_zone)).date()
    for slot in slot_list_for_day(expert=expert, day=expert_day, duration_minutes=duration_minutes, now=now):
        if slot.starts_at == starts_at:
            return slot
    raise InvalidInput("That time is not one of this expert's bookable times. Please choose a time from the list.",
                       code="slot_unavailable", field="startsAt")


def _live_hold_of(customer: User, expert: Expert, starts_at: datetime, duration_minutes: int, now: datetime) -> Booking | None:
    return (Booking.objects.filter(customer=customer, expert=expert, starts_at=starts_at,
                                   duration_minutes=duration_minutes, status=BookingStatus.PENDING,
                                   hold_expires_at__gt=now).first())


def booking_hold(*, customer: User, expert: Expert, starts_at: datetime, duration_minutes: int) -> Booking:
    """Hold a slot for payment: a pending booking priced on the server, or SlotTaken (409).

    Asking again for the slot one already holds returns that same hold.
    """
    if duration_minutes not in expert.offered_durations:
        offered = ", ".join(str(minutes) for minutes in sorted(expert.offered_durations))
        raise InvalidInput(f"This expert offers sessions of {offered} minutes.", field="duration")
    if starts_at.tzinfo is None:
        raise InvalidInput("The start time must include its time zone.", field="startsAt")
    starts_at = starts_at.astimezone(engine.UTC)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                _lock_expert(expert)
                return _hold_in_transaction(customer=customer, expert=expert, starts_at=starts_at,
                                            duration_minutes=duration_minutes)
        except IntegrityError as error:
            if _sqlstate(error) == EXCLUSION_VIOLATION or "booking_no_overlap" in str(error):
                raise SlotTaken() from None
            raise
        except OperationalError as error:
            if _sqlstate(error) in RETRYABLE and attempt < ATTEMPTS:
                continue
            # A lock wait that ran out (PostgreSQL lock_timeout, SQLite busy timeout) is a busy answer, not a 500.
            if _sqlstate(error) in RETRYABLE | {LOCK_NOT_AVAILABLE} or "database is locked" in str(error):
                raise ServiceUnavailable("Many people are booking right now. Please try again in a moment.") from None
            raise
    raise AssertionError("unreachable")


def _hold_in_transaction(*, customer: User, expert: Expert, starts_at: datetime, duration_minutes: int) -> Booking:
    now = timezone.now()
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    blocked_until = ends_at + timedelta(minutes=expert.buffer_minutes)

    existing = _live_hold_of(customer, expert, starts_at, duration_minutes, now)
    if existing is not None:
        return existing

    # Holds that ran out still satisfy the database constraint until they are marked: mark the ones
    # in the way, in this same transaction, before the insert.
    Booking.objects.filter(expert=expert, status=BookingStatus.PENDING, hold_expires_at__lte=now,
                           starts_at__lt=blocked_until, blocked_until__gt=starts_at).update(
        status=BookingStatus.EXPIRED, updated_at=now)

    slot = _requested_slot(expert=expert, starts_at=starts_at, duration_minutes=duration_minutes, now=now)
    if slot.reason == engine.BOOKED:
        raise SlotTaken()
    if slot.reason is not None:
        raise InvalidInput(UNAVAILABLE_MESSAGES[slot.reason], code="slot_unavailable", field="startsAt")

    with transaction.atomic():  # a savepoint, so a constraint violation leaves a clean transaction
        return Booking.objects.create(
            customer=customer, expert=expert, starts_at=starts_at, ends_at=ends_at, blocked_until=blocked_until,
            duration_minutes=duration_minutes,
            price_minor=price_for_duration(hourly_rate_minor=expert.hourly_rate_minor, duration_minutes=duration_minutes),
            currency=expert.currency, status=BookingStatus.PENDING,
            hold_expires_at=now + timedelta(minutes=settings.HOLD_MINUTES),
            customer_time_zone=customer.time_zone)


@transaction.atomic
def booking_release_hold(*, booking: Booking) -> None:
    """Give the slot back at once (used when no payment could even be started)."""
    Booking.objects.filter(pk=booking.pk, status=BookingStatus.PENDING).update(
        status=BookingStatus.EXPIRED, updated_at=timezone.now())


def booking_confirm_paid(*, booking_id: int) -> bool:
    """Confirm a booking whose payment was captured. Must run inside the caller's transaction.

    Returns False when the booking can no longer be confirmed because its time was taken after its
    hold ran out (the caller then refunds). Confirming an already confirmed booking is a no-op.
    Moves only forward: pending/expired → confirmed (or awaiting_approval when the expert approves
    by hand); never back.
    """
    booking = Booking.objects.select_for_update().select_related("expert").get(pk=booking_id)
    if booking.status in (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL, BookingStatus.COMPLETED,
                          BookingStatus.NO_SHOW):
        return True
    if booking.status not in (BookingStatus.PENDING, BookingStatus.EXPIRED):
        return False  # cancelled or rejected meanwhile: the money goes back
    now = timezone.now()
    target = BookingStatus.AWAITING_APPROVAL if booking.expert.requires_approval else BookingStatus.CONFIRMED
    hold_live = booking.status == BookingStatus.PENDING and booking.hold_expires_at and booking.hold_expires_at > now
    if not hold_live:
        # A late payment: the time is ours only if nobody else holds it now.
        _lock_expert(booking.expert)
        Booking.objects.filter(expert=booking.expert, status=BookingStatus.PENDING, hold_expires_at__lte=now,
                               starts_at__lt=booking.blocked_until, blocked_until__gt=booking.starts_at).exclude(
            pk=booking.pk).update(status=BookingStatus.EXPIRED, updated_at=now)
        from serene.availability.selectors import blocking_bookings_q
        taken = (Booking.objects.filter(blocking_bookings_q(now=now), expert=booking.expert,
                                        starts_at__lt=booking.blocked_until, blocked_until__gt=booking.starts_at)
                 .exclude(pk=booking.pk).exists())
        if taken:
            if booking.status == BookingStatus.PENDING:
                booking.status = BookingStatus.EXPIRED
                booking.save(update_fields=["status", "updated_at"])
            return False
    booking.status = target
    booking.hold_expires_at = None
    try:
        with transaction.atomic():
            booking.save(update_fields=["status", "hold_expires_at", "updated_at"])
    except IntegrityError as error:
        if _sqlstate(error) == EXCLUSION_VIOLATION or "booking_no_overlap" in str(error):
            return False
        raise
    return True
