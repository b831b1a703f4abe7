"""Writes of the booking ledger that claim time: hold, confirm after payment, reschedule, and the
expiry of holds that ran out; the holds of demo data, and a booking's video room id. (Moves people
ask for, and completion, are in moves.py.)

booking_hold is where invariant 1 (no double booking) is kept. On PostgreSQL the exclusion
constraint booking_no_overlap is the guarantee and the check here only gives the friendly answer
first; on SQLite the transaction starts with BEGIN IMMEDIATE (settings), so the check and the
insert run under the single write lock and cannot interleave. Invariant 9 (a customer is in one
session at a time) is kept alike: every write that gives a customer time (a hold, a move, a late
payment) checks the customer's other bookings (customer_busy_with) with the customer's row locked,
and the PostgreSQL constraint booking_customer_no_overlap is the guarantee. Every write locks its rows through
bookings/locks.py (customer, expert, bookings, payment: always in that order) and moves
a booking only through lifecycle.booking_move, which records the move.

Money is not this module's business: payments decides and moves it, using what these return.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from serene.accounts.models import User
from serene.availability import engine
from serene.availability.selectors import slot_list_for_day
from serene.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound, SlotTaken
from serene.core.locking import retry_on_lock_conflict
from serene.experts.locks import lock_expert
from serene.core.money import price_for_duration
from serene.core.text import plain_text
from serene.core.timefmt import canonical_time_zone, format_short_date, format_time, format_time_range, zone_label
from serene.experts.models import Expert

from .locks import BookingLocked, lock_bookings, lock_customer_and_expert
from .lifecycle import (CUSTOMER, EXPERT, HOLD_STATUS, PAID_AND_KEPT_STATUSES, SYSTEM, blocking_q, booking_move,
                        booking_record_created, booking_record_note)
from .moves import actor_for, customer_window_open
from .models import Booking, BookingStatus, new_room_id

EXCLUSION_VIOLATION = "23P01"
CUSTOMER_CONSTRAINT = "booking_customer_no_overlap"
UNAVAILABLE_MESSAGES = {
    engine.PAST: "That time has already passed. Please choose a later time.",
    engine.NOTICE: "That time is too soon: this expert needs more notice. Please choose a later time.",
    engine.HORIZON: "That time is too far ahead: this expert does not take bookings that far out yet.",
}
HOLD_RAN_OUT = "The hold ran out before payment."


class TooManyHolds(AppError):
    status = 429
    code = "too_many_holds"


class CustomerBusy(Conflict):
    """The customer already has a session (or a live hold) at an overlapping time: invariant 9."""
    code = "customer_busy"
    default_message = ("You already have a session at that time. You can be in one session at a time: "
                       "please choose another time.")


def _is_overlap_violation(error: IntegrityError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == EXCLUSION_VIOLATION or "booking_no_overlap" in str(error)


def _is_customer_overlap_violation(error: IntegrityError) -> bool:
    return CUSTOMER_CONSTRAINT in str(error)


def _overlap_refusal(error: IntegrityError) -> AppError:
    """What the person hears when the database constraint, not the check, caught the overlap."""
    return CustomerBusy() if _is_customer_overlap_violation(error) else SlotTaken()


def _customer_clashing(*, customer_id: int, starts_at: datetime, ends_at: datetime, now: datetime,
                       excluding_booking_id: int | None = None):
    """The customer's bookings that block time now and overlap [starts_at, ends_at) (their own
    session's time; the expert's buffer after it is not theirs)."""
    clashing = Booking.objects.filter(blocking_q(now=now), customer_id=customer_id,
                                      starts_at__lt=ends_at, ends_at__gt=starts_at)
    if excluding_booking_id is not None:
        clashing = clashing.exclude(pk=excluding_booking_id)
    return clashing.select_related("expert__user")


def customer_busy_with(*, customer_id: int, starts_at: datetime, ends_at: datetime, now: datetime,
                       excluding_booking_id: int | None = None) -> Booking | None:
    """Another booking of the customer's that occupies part of [starts_at, ends_at) now, or None.
    Exact with the customer's row locked (or on SQLite, inside the IMMEDIATE transaction)."""
    return _customer_clashing(customer_id=customer_id, starts_at=starts_at, ends_at=ends_at, now=now,
                              excluding_booking_id=excluding_booking_id).order_by("starts_at").first()


def customer_busy_refusal(*, other: Booking, zone: str) -> CustomerBusy:
    """CustomerBusy naming the booking in the way, on the customer's clock."""
    when = (f"{format_short_date(other.starts_at, zone)}, {format_time_range(other.starts_at, other.ends_at, zone)} "
            f"({zone_label(zone)})")
    if other.status == HOLD_STATUS and other.hold_expires_at is not None:  # a hold always has its expiry
        return CustomerBusy(f"You are holding {when} with {other.expert.name} for payment, until "
                            f"{format_time(other.hold_expires_at, zone)}. You can be in one session at a time: "
                            "finish or give up that payment, or choose another time.")
    return CustomerBusy(f"You already have a session with {other.expert.name} on {when}. You can be in one "
                        "session at a time: please choose another time, or cancel that session first.")


def _customer_lapsed_holds_expire(*, customer_id: int, starts_at: datetime, ends_at: datetime, now: datetime,
                                  excluding_booking_id: int | None = None) -> None:
    """Mark the customer's holds that ran out over [starts_at, ends_at) expired (with any expert):
    the PostgreSQL constraint counts a pending row until it is marked. Bookings are locked after the
    customer and the expert, as locks.py orders them."""
    lapsed = Booking.objects.filter(customer_id=customer_id, status=HOLD_STATUS, hold_expires_at__lte=now,
                                    starts_at__lt=ends_at, ends_at__gt=starts_at)
    if excluding_booking_id is not None:
        lapsed = lapsed.exclude(pk=excluding_booking_id)
    for hold in lock_bookings(booking_ids=lapsed.values_list("pk", flat=True)):
        if hold.status == HOLD_STATUS and hold.hold_expires_at and hold.hold_expires_at <= now:
            booking_move(booking=hold, to=BookingStatus.EXPIRED, actor=SYSTEM, reason=HOLD_RAN_OUT, now=now)


def _requested_slot(*, expert: Expert, starts_at: datetime, duration_minutes: int, now: datetime,
                    excluding_booking_id: int | None = None) -> engine.Slot:
    """The engine's view of the requested slot, or InvalidInput when it is not a slot at all."""
    expert_day = starts_at.astimezone(ZoneInfo(expert.time_zone)).date()
    for slot in slot_list_for_day(expert=expert, day=expert_day, duration_minutes=duration_minutes, now=now,
                                  excluding_booking_id=excluding_booking_id):
        if slot.starts_at == starts_at:
            return slot
    raise InvalidInput("That time is not one of this expert's bookable times. Please choose a time from the list.",
                       code="slot_unavailable", field="startsAt")


def _overlapping(queryset, *, starts_at: datetime, blocked_until: datetime):
    return queryset.filter(starts_at__lt=blocked_until, blocked_until__gt=starts_at)


def _live_holds_of(customer: User, now: datetime):
    return Booking.objects.filter(customer=customer, status=HOLD_STATUS, hold_expires_at__gt=now)


@retry_on_lock_conflict
def booking_hold(*, customer: User, expert: Expert, starts_at: datetime, duration_minutes: int,
                 customer_note: str = "") -> Booking:
    """Hold a slot for payment: a pending booking priced on the server, or SlotTaken (409).

    Asking again for the slot one already holds returns that same hold (a double click); asking for
    another time or length with the same expert replaces one's own hold with them. A customer holds
    at most MAX_HOLDS_PER_CUSTOMER slots at once (429 beyond). The customer's note for the expert is
    kept on the hold; asking again with another note (edited after a dismissed checkout) replaces it.
    """
    customer_note = plain_text(customer_note, multiline=True)
    if duration_minutes not in expert.offered_durations:
        offered = ", ".join(str(minutes) for minutes in sorted(expert.offered_durations))
        raise InvalidInput(f"This expert offers sessions of {offered} minutes.", field="duration")
    if starts_at.tzinfo is None:
        raise InvalidInput("The start time must include its time zone.", field="startsAt")
    starts_at = starts_at.astimezone(engine.UTC)
    if _taken_by_another(customer=customer, expert=expert, starts_at=starts_at, duration_minutes=duration_minutes):
        raise SlotTaken()
    try:
        with transaction.atomic():
            return _hold_in_transaction(customer=customer, expert=expert, starts_at=starts_at,
                                        duration_minutes=duration_minutes, customer_note=customer_note)
    except IntegrityError as error:
        if _is_overlap_violation(error):
            raise _overlap_refusal(error) from None
        raise


def _taken_by_another(*, customer: User, expert: Expert, starts_at: datetime, duration_minutes: int) -> bool:
    """Before any lock: another customer's booking or live hold already occupies the time.

    Most rivals for a popular time lose; answering them here keeps them out of the queue for the
    expert's lock, where the winner and the next real contenders wait (bench/booking.py). A read
    without the lock can only be stale towards "taken" (the time was taken a moment ago); "free" is
    decided under the lock and by the database constraint, as before.
    """
    blocked_until = starts_at + timedelta(minutes=duration_minutes + expert.buffer_minutes)
    others = Booking.objects.filter(blocking_q(now=timezone.now()), expert=expert).exclude(customer=customer)
    return _overlapping(others, starts_at=starts_at, blocked_until=blocked_until).exists()


def _hold_in_transaction(*, customer: User, expert: Expert, starts_at: datetime, duration_minutes: int,
                         customer_note: str) -> Booking:
    _, expert = lock_customer_and_expert(customer_id=customer.pk, expert_id=expert.pk)
    now = timezone.now()
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    blocked_until = ends_at + timedelta(minutes=expert.buffer_minutes)

    own = list(_live_holds_of(customer, now).filter(expert=expert))
    for hold in own:
        if hold.starts_at == starts_at and hold.duration_minutes == duration_minutes:
            if hold.customer_note != customer_note:  # under the customer's and expert's locks
                hold.customer_note = customer_note
                hold.save(update_fields=["customer_note"])
            return hold
    # A new choice with this expert replaces the customer's earlier holds with them (one goes back in
    # the wizard to pick another time or length). If an earlier hold is paid after all, it is a late
    # payment: confirmed if its time is free, refunded if not.
    replaced = lock_bookings(booking_ids=[hold.pk for hold in own])
    for hold in replaced:
        if hold.status == HOLD_STATUS:
            booking_move(booking=hold, to=BookingStatus.EXPIRED, actor=SYSTEM,
                         reason="Replaced by the customer's new choice of time.", now=now)
    lapsed_holds_expire(expert=expert, starts_at=starts_at, blocked_until=blocked_until, now=now)
    _customer_lapsed_holds_expire(customer_id=customer.pk, starts_at=starts_at, ends_at=ends_at, now=now)

    if _live_holds_of(customer, now).count() >= settings.MAX_HOLDS_PER_CUSTOMER:
        raise TooManyHolds(f"You are already holding {settings.MAX_HOLDS_PER_CUSTOMER} times. Pay for one, or wait "
                           "for a hold to run out, before holding another.")

    slot = _requested_slot(expert=expert, starts_at=starts_at, duration_minutes=duration_minutes, now=now)
    if slot.reason == engine.BOOKED:
        raise SlotTaken()
    if slot.reason is not None:
        raise InvalidInput(UNAVAILABLE_MESSAGES[slot.reason], code="slot_unavailable", field="startsAt")
    other = customer_busy_with(customer_id=customer.pk, starts_at=starts_at, ends_at=ends_at, now=now)
    if other is not None:
        raise customer_busy_refusal(other=other, zone=customer.time_zone)

    with transaction.atomic():  # a savepoint, so a constraint violation leaves a clean transaction
        booking = Booking.objects.create(
            customer=customer, expert=expert, starts_at=starts_at, ends_at=ends_at, blocked_until=blocked_until,
            duration_minutes=duration_minutes,
            price_minor=price_for_duration(hourly_rate_minor=expert.hourly_rate_minor, duration_minutes=duration_minutes),
            currency=expert.currency, status=HOLD_STATUS,
            hold_expires_at=now + timedelta(minutes=settings.HOLD_MINUTES),
            customer_time_zone=canonical_time_zone(customer.time_zone), customer_note=customer_note)
    booking_record_created(booking=booking, actor=CUSTOMER, by=customer, reason="Held for payment.")
    return booking


@transaction.atomic
def booking_hold_record(*, customer: User, expert: Expert, starts_at: datetime, duration_minutes: int,
                        held_at: datetime, customer_note: str = "") -> Booking:
    """A hold made at `held_at`, written down afterwards: the demo sessions of seed_demo, most of them
    in the past. Priced and recorded as booking_hold's hold is (created at `held_at` by the customer,
    held for HOLD_MINUTES from then), but the engine is not asked whether the time may be booked now,
    which a past session may not: for demo data only, never a person's request. The no-overlap
    constraint still holds. The booking then lives through the product's own moves
    (booking_confirm_paid, booking_move, booking_complete, booking_review), each recorded.
    """
    expert = lock_expert(expert_id=expert.pk)
    starts_at = starts_at.astimezone(engine.UTC)
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    with transaction.atomic():  # a savepoint, as booking_hold's insert
        booking = Booking.objects.create(
            customer=customer, expert=expert, starts_at=starts_at, ends_at=ends_at,
            blocked_until=ends_at + timedelta(minutes=expert.buffer_minutes), duration_minutes=duration_minutes,
            price_minor=price_for_duration(hourly_rate_minor=expert.hourly_rate_minor, duration_minutes=duration_minutes),
            currency=expert.currency, status=HOLD_STATUS, hold_expires_at=held_at + timedelta(minutes=settings.HOLD_MINUTES),
            customer_time_zone=canonical_time_zone(customer.time_zone), customer_note=customer_note)
    Booking.objects.filter(pk=booking.pk).update(created_at=held_at)
    booking.created_at = held_at
    booking_record_created(booking=booking, actor=CUSTOMER, by=customer, reason="Held for payment.")
    return booking


def lapsed_holds_in_the_way(*, booking: Booking, now: datetime):
    return _overlapping(Booking.objects.filter(expert_id=booking.expert_id, status=HOLD_STATUS, hold_expires_at__lte=now),
                        starts_at=booking.starts_at, blocked_until=booking.blocked_until).exclude(pk=booking.pk)


def booking_time_taken(*, booking: Booking, now: datetime) -> bool:
    """Another booking of the expert blocks this one's time now (buffers included): a payment that
    arrives after this booking's hold ran out cannot keep it. Exact under the expert's lock."""
    return _overlapping(Booking.objects.filter(blocking_q(now=now), expert_id=booking.expert_id),
                        starts_at=booking.starts_at, blocked_until=booking.blocked_until).exclude(pk=booking.pk).exists()


def lapsed_holds_expire(*, expert: Expert, starts_at: datetime, blocked_until: datetime, now: datetime,
                        excluding_booking_id: int | None = None) -> int:
    """Mark the holds that ran out in [starts_at, blocked_until) expired, under the expert's lock.

    A lapsed hold no longer blocks availability, but the PostgreSQL constraint counts every pending
    booking, so it must be marked before anything else is written on its time.
    """
    lapsed = _overlapping(Booking.objects.filter(expert=expert, status=HOLD_STATUS, hold_expires_at__lte=now),
                          starts_at=starts_at, blocked_until=blocked_until)
    if excluding_booking_id is not None:
        lapsed = lapsed.exclude(pk=excluding_booking_id)
    expired = 0
    for hold in lock_bookings(booking_ids=lapsed.values_list("pk", flat=True)):
        if hold.status == HOLD_STATUS:
            booking_move(booking=hold, to=BookingStatus.EXPIRED, actor=SYSTEM, reason=HOLD_RAN_OUT, now=now)
            expired += 1
    return expired


def booking_clear_way_to_confirm(*, locked: BookingLocked) -> datetime:
    """Before a captured payment's confirmation: expire lapsed holds on the locked booking's time.

    Returns the instant it judged by; pass it to booking_confirm_paid, so a hold that runs out
    between the two calls is not judged twice, differently.
    """
    booking, now = locked.booking, timezone.now()
    lapsed_holds_expire(expert=locked.expert, starts_at=booking.starts_at, blocked_until=booking.blocked_until,
                        now=now, excluding_booking_id=booking.pk)
    _customer_lapsed_holds_expire(customer_id=booking.customer_id, starts_at=booking.starts_at,
                                  ends_at=booking.ends_at, now=now, excluding_booking_id=booking.pk)
    return now


def bookings_expire_lapsed_holds(*, now: datetime | None = None, limit: int = 500) -> int:
    """Every hold that ran out becomes expired (the periodic job), one expert's lock at a time."""
    now = now or timezone.now()
    experts = list(Booking.objects.filter(status=HOLD_STATUS, hold_expires_at__lte=now)
                   .values_list("expert_id", flat=True).distinct()[:limit])
    return sum(_expire_lapsed_of(expert_id=expert_id, now=now) for expert_id in experts)


@retry_on_lock_conflict
@transaction.atomic
def _expire_lapsed_of(*, expert_id: int, now: datetime) -> int:
    expert = lock_expert(expert_id=expert_id)
    return lapsed_holds_expire(expert=expert, starts_at=datetime.min.replace(tzinfo=engine.UTC),
                               blocked_until=datetime.max.replace(tzinfo=engine.UTC), now=now)


def booking_confirm_paid(*, locked: BookingLocked, now: datetime) -> bool:
    """Confirm a booking whose payment was captured, inside the caller's transaction.

    `locked` holds the booking's expert and the booking (locks.lock_booking), and booking_clear_way_to_confirm
    expired the lapsed holds in its way at `now`, before anything of a later kind (the payment) was
    locked. Returns False when the booking cannot be kept (cancelled or rejected meanwhile, or paid
    after its hold ran out and its time taken since): the caller then refunds. Confirming a booking
    already kept is a no-op.
    """
    booking, expert = locked.booking, locked.expert
    if expert.pk != booking.expert_id:
        raise RuntimeError("booking_confirm_paid needs the booking's expert locked first")
    if booking.status in PAID_AND_KEPT_STATUSES:
        return True
    if booking.status not in (BookingStatus.PENDING, BookingStatus.EXPIRED):
        return False
    target = BookingStatus.AWAITING_APPROVAL if expert.requires_approval else BookingStatus.CONFIRMED
    hold_live = booking.status == BookingStatus.PENDING and booking.hold_expires_at and booking.hold_expires_at > now
    if not hold_live:
        # A late payment: the time is this booking's only if nobody else holds it now.
        if booking_time_taken(booking=booking, now=now) or customer_busy_with(
                customer_id=booking.customer_id, starts_at=booking.starts_at, ends_at=booking.ends_at, now=now,
                excluding_booking_id=booking.pk) is not None:
            if booking.status == BookingStatus.PENDING:
                booking_move(booking=booking, to=BookingStatus.EXPIRED, actor=SYSTEM, reason=HOLD_RAN_OUT, now=now)
            return False
        if lapsed_holds_in_the_way(booking=booking, now=now).exists():
            raise RuntimeError("lapsed holds in the way must be expired (lapsed_holds_expire) before confirming")
    reason = "Paid." if hold_live else "Paid after the hold ran out; the time was still free."
    try:
        with transaction.atomic():
            booking_move(booking=booking, to=target, actor=SYSTEM, reason=reason, now=now)
    except IntegrityError as error:
        if _is_overlap_violation(error):
            booking.refresh_from_db()
            return False
        raise
    return True


@retry_on_lock_conflict
def booking_reschedule(*, booking_id: int, by: User, starts_at: datetime) -> Booking:
    """Move a confirmed booking to another free slot of the same expert and length; no new payment.

    The same engine and the same no-overlap guarantee as a hold: the new time is checked under the
    expert's lock and the constraint refuses an overlap written by anyone else.
    """
    if starts_at.tzinfo is None:
        raise InvalidInput("The start time must include its time zone.", field="startsAt")
    try:
        with transaction.atomic():
            return _reschedule_in_transaction(booking_id=booking_id, by=by, starts_at=starts_at.astimezone(engine.UTC))
    except IntegrityError as error:
        if _is_overlap_violation(error):
            raise _overlap_refusal(error) from None
        raise


def _reschedule_in_transaction(*, booking_id: int, by: User, starts_at: datetime) -> Booking:
    # The customer first (their other bookings are checked below), then the expert and the booking.
    owners = Booking.objects.filter(pk=booking_id).values_list("customer_id", "expert_id").first()
    if owners is None:
        raise NotFound("There is no session with that id.")
    lock_customer_and_expert(customer_id=owners[0], expert_id=owners[1])
    [booking] = lock_bookings(booking_ids=[booking_id])
    actor = actor_for(user=by, booking=booking)
    if actor == EXPERT:
        raise Forbidden("Only the customer (or staff) moves a booking; the expert may cancel it instead.")
    if booking.status != BookingStatus.CONFIRMED:
        raise InvalidInput("Only a confirmed session can be moved.", code="not_reschedulable")
    now = timezone.now()
    if not customer_window_open(booking=booking, now=now):
        raise InvalidInput(f"A session can be moved until {settings.CANCELLATION_WINDOW_HOURS} hours before it "
                           "starts.", code="too_late")
    if booking.reschedule_count >= settings.MAX_RESCHEDULES:
        raise InvalidInput(f"This session has already been moved {booking.reschedule_count} times, the most "
                           "allowed.", code="reschedule_limit")
    if starts_at == booking.starts_at:
        return booking
    expert = booking.expert
    new_end = starts_at + timedelta(minutes=booking.duration_minutes)
    lapsed_holds_expire(expert=expert, starts_at=starts_at, blocked_until=new_end + timedelta(minutes=expert.buffer_minutes),
                        now=now)
    _customer_lapsed_holds_expire(customer_id=booking.customer_id, starts_at=starts_at, ends_at=new_end, now=now,
                                  excluding_booking_id=booking.pk)
    slot = _requested_slot(expert=expert, starts_at=starts_at, duration_minutes=booking.duration_minutes, now=now,
                           excluding_booking_id=booking.pk)
    if slot.reason == engine.BOOKED:
        raise SlotTaken()
    if slot.reason is not None:
        raise InvalidInput(UNAVAILABLE_MESSAGES[slot.reason], code="slot_unavailable", field="startsAt")
    other = customer_busy_with(customer_id=booking.customer_id, starts_at=starts_at, ends_at=new_end, now=now,
                               excluding_booking_id=booking.pk)
    if other is not None:
        raise customer_busy_refusal(other=other, zone=booking.customer.time_zone)
    old_start = booking.starts_at
    booking.starts_at = starts_at
    booking.ends_at = starts_at + timedelta(minutes=booking.duration_minutes)
    booking.blocked_until = booking.ends_at + timedelta(minutes=expert.buffer_minutes)
    booking.reschedule_count += 1
    # At its new time the booking is checked like any other (above): a row kept outside the customer
    # constraint by migration 0009 comes back under it.
    booking.customer_overlap_grandfathered = False
    with transaction.atomic():
        booking.save(update_fields=["starts_at", "ends_at", "blocked_until", "reschedule_count",
                                    "customer_overlap_grandfathered", "updated_at"])
    booking_record_note(booking=booking, actor=actor, by=by, moved_from=old_start,
                        reason=f"Moved from {old_start:%Y-%m-%d %H:%M} UTC to {starts_at:%Y-%m-%d %H:%M} UTC.")
    return booking


def booking_video_room_ensure(*, booking: Booking) -> str:
    """The booking's unguessable video room id, made the first time anyone needs it (a booking from
    before ids were given at creation); the video app asks for it here, bookings writes it.

    Two requests racing here both get the same id: the conditional update lets only the first write,
    and everyone reads back what is stored."""
    if booking.video_room:
        return booking.video_room
    Booking.objects.filter(pk=booking.pk, video_room="").update(video_room=new_room_id())
    booking.video_room = Booking.objects.values_list("video_room", flat=True).get(pk=booking.pk)
    return booking.video_room
