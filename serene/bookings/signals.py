"""The domain events of bookings: what other apps may react to, sent by the one function that makes
each change, inside the transaction that makes it.

    booking_created            booking_hold / booking_hold_record wrote a new pending booking
    booking_moved              lifecycle.booking_move changed a booking's status
    booking_rescheduled        services.booking_reschedule gave a confirmed booking another time
    booking_money_outcome_set  lifecycle.booking_set_money_outcome recorded what became of its money
    booking_reviewed           reviews.booking_review recorded the customer's rating

The first four carry a BookingChange (the booking and the timeline row that records the change),
the last a BookingReview. Receivers are called as `receiver(sender=Booking, change=...)` (or
`review=...`), in the sender's transaction and before it commits: a receiver that writes, writes in
that transaction (the outbox), and one that must act only once the change is kept defers with
transaction.on_commit (video). An exception in a receiver undoes the change, so a receiver whose
failure must not cost the booking its move guards itself.

Who listens is written in each listening app's AppConfig.ready (notifications, video); bookings
imports none of them. Nothing listens to a model's post_save to learn of a booking's changes.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.dispatch import Signal

if TYPE_CHECKING:
    from serene.accounts.models import User

    from .models import Booking, BookingEvent

booking_created = Signal()
booking_moved = Signal()
booking_rescheduled = Signal()
booking_money_outcome_set = Signal()
booking_reviewed = Signal()


@dataclass(frozen=True)
class BookingChange:
    """One change of a booking, as recorded on its timeline."""
    booking: Booking        # as the change left it, locked by the sender's transaction
    event: BookingEvent     # the timeline row that records the change
    from_status: str        # "" for a creation; the same as to_status for a reschedule or a money outcome
    to_status: str
    actor: str              # Actor: customer, expert, staff, system
    by: User | None         # the person who made it, when one did
    at: datetime
    history: bool           # recorded after the fact (demo data): not news, so nobody is told


@dataclass(frozen=True)
class BookingReview:
    booking: Booking        # rating, review and reviewed_at just written, locked with its expert
    rating: int
    at: datetime
    history: bool


_recording_history: ContextVar[bool] = ContextVar("bookings_recording_history", default=False)


@contextmanager
def recording_history() -> Iterator[None]:
    """Changes made inside are the past being written down (seed_demo's demo sessions), not news.

    They go through the same services and are recorded and published the same way; their events say
    history=True, and the receivers that tell people (emails, notices, a call's end) let them pass.
    """
    token = _recording_history.set(True)
    try:
        yield
    finally:
        _recording_history.reset(token)


def is_recording_history() -> bool:
    return _recording_history.get()


def booking_change_publish(signal: Signal, *, booking: Booking, event: BookingEvent, by: User | None) -> None:
    """Send `signal` for the change `event` records (called by lifecycle.py, which records every change)."""
    from .models import Booking

    signal.send(sender=Booking, change=BookingChange(
        booking=booking, event=event, from_status=event.from_status, to_status=event.to_status, actor=event.actor,
        by=by, at=event.at, history=is_recording_history()))
