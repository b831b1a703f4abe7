"""A booking's lifecycle, in one place: its states, the moves allowed between them and who may make
each, which states block the expert's time, and the one function that applies a move.

    pending ──paid──▶ confirmed ──ended──▶ completed ──▶ no-show
       │  ╲              │   ╲                              ▲
       │   ╲paid, by hand│    ╲──────────────▶──────────────┘
       │    ▼            ▼
       │  awaiting_approval ──▶ rejected
       │         │
       ▼         ▼
    expired   cancelled  ◀── (pending, awaiting_approval, confirmed)
       │
       └──paid late, time still free──▶ confirmed / awaiting_approval

Every move is written to BookingEvent (from, to, when, who, why) and published as a domain event
(signals.py: booking_moved, and booking_created, booking_rescheduled, booking_money_outcome_set for
the timeline's other lines), in the move's transaction. Callers lock the booking first
(bookings/locks.py); `booking_move` refuses to run outside a transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from serene.accounts.models import User
from serene.availability.busy import BusyTimeSql
from serene.core.errors import Conflict

from . import signals
from .models import Actor, Booking, BookingEvent, BookingStatus, MoneyOutcome

CUSTOMER, EXPERT, STAFF, SYSTEM = Actor.CUSTOMER, Actor.EXPERT, Actor.STAFF, Actor.SYSTEM


@dataclass(frozen=True)
class State:
    blocks_time: bool  # occupies the expert's time (a pending booking only while its hold lives)
    final: bool        # no move leaves it (completed → no-show is the one correction allowed)


STATES: dict[str, State] = {
    BookingStatus.PENDING: State(blocks_time=True, final=False),
    BookingStatus.AWAITING_APPROVAL: State(blocks_time=True, final=False),
    BookingStatus.CONFIRMED: State(blocks_time=True, final=False),
    BookingStatus.EXPIRED: State(blocks_time=False, final=False),
    BookingStatus.CANCELLED: State(blocks_time=False, final=True),
    BookingStatus.REJECTED: State(blocks_time=False, final=True),
    BookingStatus.COMPLETED: State(blocks_time=False, final=False),
    BookingStatus.NO_SHOW: State(blocks_time=False, final=True),
}

# (from, to) → who may make that move.
MOVES: dict[tuple[str, str], frozenset[str]] = {
    (BookingStatus.PENDING, BookingStatus.CONFIRMED): frozenset({SYSTEM}),                    # payment captured
    (BookingStatus.PENDING, BookingStatus.AWAITING_APPROVAL): frozenset({SYSTEM}),            # paid; the expert approves by hand
    (BookingStatus.PENDING, BookingStatus.EXPIRED): frozenset({SYSTEM, CUSTOMER}),            # hold ran out, or was given back
    (BookingStatus.PENDING, BookingStatus.CANCELLED): frozenset({CUSTOMER, STAFF}),
    (BookingStatus.EXPIRED, BookingStatus.CONFIRMED): frozenset({SYSTEM}),                    # paid late, the time still free
    (BookingStatus.EXPIRED, BookingStatus.AWAITING_APPROVAL): frozenset({SYSTEM}),
    (BookingStatus.AWAITING_APPROVAL, BookingStatus.CONFIRMED): frozenset({EXPERT, STAFF}),   # approved
    (BookingStatus.AWAITING_APPROVAL, BookingStatus.REJECTED): frozenset({EXPERT, STAFF, SYSTEM}),
    (BookingStatus.AWAITING_APPROVAL, BookingStatus.CANCELLED): frozenset({CUSTOMER, STAFF}),
    (BookingStatus.CONFIRMED, BookingStatus.CANCELLED): frozenset({CUSTOMER, EXPERT, STAFF}),
    (BookingStatus.CONFIRMED, BookingStatus.COMPLETED): frozenset({SYSTEM, STAFF}),           # by itself after the session ends
    (BookingStatus.CONFIRMED, BookingStatus.NO_SHOW): frozenset({EXPERT, STAFF}),
    (BookingStatus.COMPLETED, BookingStatus.NO_SHOW): frozenset({EXPERT, STAFF}),             # marked after the automatic completion
}

BLOCKING_STATUSES: tuple[str, ...] = tuple(status for status, state in STATES.items() if state.blocks_time)
# Of those, the one that blocks only while its hold lives.
HOLD_STATUS = BookingStatus.PENDING
FIRMLY_BLOCKING_STATUSES: tuple[str, ...] = tuple(status for status in BLOCKING_STATUSES if status != HOLD_STATUS)
# A booking in these states is kept: the customer's money stays paid for it.
PAID_AND_KEPT_STATUSES: tuple[str, ...] = (BookingStatus.AWAITING_APPROVAL, BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)

assert all(source in STATES and target in STATES for source, target in MOVES)
assert not any(STATES[source].final for source, _ in MOVES)


class MoveNotAllowed(Conflict):
    code = "move_not_allowed"


def blocking_q(*, now: datetime) -> Q:
    """Bookings that occupy time now, as a queryset filter."""
    return Q(status__in=FIRMLY_BLOCKING_STATUSES) | Q(status=HOLD_STATUS, hold_expires_at__gt=now)


def blocking_sql(*, table: str = "") -> tuple[str, list]:
    """The same as blocking_q, as a SQL condition and its parameters (one: `now`, appended by the caller).

    Used by the availability hot path, which reads busy time in plain SQL.
    """
    prefix = f"{table}." if table else ""
    placeholders = ", ".join(["%s"] * len(FIRMLY_BLOCKING_STATUSES))
    sql = (f"({prefix}status IN ({placeholders}) "
           f"OR ({prefix}status = %s AND {prefix}hold_expires_at > %s))")
    return sql, [*FIRMLY_BLOCKING_STATUSES, HOLD_STATUS]


def booking_busy_time_sql(alias: str, now: datetime) -> BusyTimeSql:
    """Busy time as availability reads it (availability/busy.py): the bookings blocking at `now`.
    Bookings supplies it at start (apps.py), so availability never imports bookings."""
    condition, params = blocking_sql(table=alias)
    return BusyTimeSql(table=Booking._meta.db_table, condition=condition, params=[*params, now])


def constraint_condition_sql() -> str:
    """The exclusion constraint's condition: every blocking status, a pending one whatever its hold.

    A hold that ran out still counts until it is marked expired, which booking_hold does in the
    same transaction before its insert.
    """
    return "status IN (" + ", ".join(f"'{status}'" for status in BLOCKING_STATUSES) + ")"


def move_allowed(*, source: str, target: str, actor: str) -> bool:
    return actor in MOVES.get((source, target), frozenset())


def booking_move(*, booking: Booking, to: str, actor: str, by: User | None = None, reason: str = "",
                 now: datetime | None = None) -> Booking:
    """Move a locked booking to `to`, record the move and publish it (signals.booking_moved), or
    refuse with MoveNotAllowed (409).

    The caller holds the booking's row lock (locks.lock_booking) inside its transaction; the event's receivers
    run in it (notifications writes the move's emails there).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("booking_move must run inside the transaction that locked the booking")
    source = booking.status
    if not move_allowed(source=source, target=to, actor=actor):
        raise MoveNotAllowed(f"A {BookingStatus(source).label.lower()} session cannot become "
                             f"{BookingStatus(to).label.lower()} (asked by {Actor(actor).label.lower()}).")
    now = now or timezone.now()
    booking.status = to
    fields = ["status", "updated_at"]
    if to in PAID_AND_KEPT_STATUSES and booking.hold_expires_at is not None:
        # Kept: no hold any more. A hold that ended otherwise keeps its time, which the payment
        # sweeps use to find an order still open on it (paid in another tab, say).
        booking.hold_expires_at = None
        fields.append("hold_expires_at")
    if to in (BookingStatus.CANCELLED, BookingStatus.REJECTED):
        booking.cancelled_at, booking.cancelled_by = now, by
        booking.cancellation_reason = reason[:240]
        fields += ["cancelled_at", "cancelled_by", "cancellation_reason"]
    booking.save(update_fields=fields)
    event = _record(booking=booking, source=source, actor=actor, by=by, reason=reason, at=now)
    signals.booking_change_publish(signals.booking_moved, booking=booking, event=event, by=by)
    return booking


def _record(*, booking: Booking, source: str, actor: str, by: User | None, reason: str, at: datetime,
            money_outcome: str = "", moved_from: datetime | None = None) -> BookingEvent:
    return BookingEvent.objects.create(booking=booking, from_status=source, to_status=booking.status, at=at,
                                       actor=actor, actor_user=by, reason=reason[:240], money_outcome=money_outcome,
                                       moved_from=moved_from)


def booking_record_created(*, booking: Booking, actor: str, by: User | None, reason: str = "") -> None:
    """The first line of a booking's timeline, published as booking_created."""
    event = _record(booking=booking, source="", actor=actor, by=by, reason=reason, at=booking.created_at)
    signals.booking_change_publish(signals.booking_created, booking=booking, event=event, by=by)


def booking_record_note(*, booking: Booking, actor: str, by: User | None, reason: str,
                        moved_from: datetime | None = None) -> None:
    """A line of the timeline that is not a change of state. A reschedule gives the start it left
    (moved_from) and is published as booking_rescheduled; a plain note is published as nothing."""
    event = _record(booking=booking, source=booking.status, actor=actor, by=by, reason=reason, at=timezone.now(),
                    moved_from=moved_from)
    if moved_from is not None:
        signals.booking_change_publish(signals.booking_rescheduled, booking=booking, event=event, by=by)


def booking_set_money_outcome(*, booking: Booking, outcome: str, reason: str, actor: str = SYSTEM,
                              by: User | None = None) -> Booking:
    """Record what became of a locked booking's money (a refund under way, done, failed, or none due),
    published as booking_money_outcome_set."""
    if not connection.in_atomic_block:
        raise RuntimeError("booking_set_money_outcome must run inside the transaction that locked the booking")
    MoneyOutcome(outcome)
    if booking.money_outcome == outcome:
        return booking
    booking.money_outcome = outcome
    booking.save(update_fields=["money_outcome", "updated_at"])
    event = _record(booking=booking, source=booking.status, actor=actor, by=by, reason=reason, at=timezone.now(),
                    money_outcome=outcome)
    signals.booking_change_publish(signals.booking_money_outcome_set, booking=booking, event=event, by=by)
    return booking
