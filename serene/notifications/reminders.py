"""Reminders before a session: the day before (REMINDER_DAY_BEFORE_HOURS) and just before the room
opens (REMINDER_SOON_MINUTES), to the customer and the expert.

When a booking is confirmed or moved, a timer (a deferred task) is queued for each reminder it is
due; when the timer runs it checks the booking again under its lock (still confirmed, same start)
and writes the messages. A booking fixed less than a day ahead gets no day-before reminder. A sweep
(reminders_send_due) writes any reminder whose timer was lost; each reminder's key names the booking,
its start and the recipient, so the timer and the sweep together still send it once.
"""
from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from serene.bookings.models import Booking, BookingEvent, BookingStatus
from serene.bookings.locks import lock_booking
from serene.core.locking import Busy, retry_on_lock_conflict

from .content import CUSTOMER, EXPERT

if TYPE_CHECKING:
    from .event_emails import PlannedEmail

logger = logging.getLogger(__name__)
DAY_BEFORE, SOON = "reminder_day_before", "reminder_soon"
# A day-before reminder that could not go out until this close to the start is dropped: the one
# just before the start follows soon.
DAY_BEFORE_LATEST = timedelta(hours=2)


def _day_before(starts_at: datetime) -> datetime:
    return starts_at - timedelta(hours=settings.REMINDER_DAY_BEFORE_HOURS)


def _soon(starts_at: datetime) -> datetime:
    return starts_at - timedelta(minutes=settings.REMINDER_SOON_MINUTES)


def day_before_planned(booking: Booking, *, fixed_at: datetime) -> bool:
    """Whether a booking whose time was fixed (confirmed or moved) at `fixed_at` gets the day-before one."""
    return fixed_at <= _day_before(booking.starts_at)


def reminder_plan(*, starts_at: datetime, fixed_at: datetime) -> list[tuple[str, datetime]]:
    """(kind, when) for each reminder a session starting at `starts_at`, fixed at `fixed_at`, gets."""
    plan = []
    if fixed_at <= _day_before(starts_at):
        plan.append((DAY_BEFORE, _day_before(starts_at)))
    if fixed_at <= _soon(starts_at):
        plan.append((SOON, _soon(starts_at)))
    return plan


def reminders_schedule(*, booking: Booking, fixed_at: datetime) -> None:
    """Queue the reminder timers for the booking's current start, once this transaction commits."""
    from .tasks import reminder_send
    if not reminder_send.get_backend().supports_defer:
        return  # no timers on this backend (the test suite's immediate one); the sweep sends them
    starts_at = booking.starts_at.isoformat()
    for kind, when in reminder_plan(starts_at=booking.starts_at, fixed_at=fixed_at):
        transaction.on_commit(functools.partial(_enqueue, reminder_send, booking.pk, kind, starts_at, when))


def _enqueue(task, booking_id: int, kind: str, starts_at: str, when: datetime) -> None:
    try:
        task.using(run_after=when).enqueue(booking_id, kind, starts_at)
    except Exception:
        logger.exception("Could not queue the %s timer of booking %s; the sweep will send it", kind, booking_id)


def time_fixed_at(*, booking_id: int) -> datetime | None:
    """When the booking got its current start: its confirmation, or its latest move."""
    return (BookingEvent.objects.filter(booking_id=booking_id)
            .filter(Q(to_status=BookingStatus.CONFIRMED) & ~Q(from_status=BookingStatus.CONFIRMED) | Q(moved_from__isnull=False))
            .aggregate(at=Max("at"))["at"])


def _due(kind: str, *, starts_at: datetime, now: datetime) -> bool:
    if kind == DAY_BEFORE:
        return _day_before(starts_at) <= now < starts_at - DAY_BEFORE_LATEST
    return _soon(starts_at) - timedelta(minutes=1) <= now < starts_at


@retry_on_lock_conflict
@transaction.atomic
def reminder_send(*, booking_id: int, kind: str, starts_at: datetime, now: datetime | None = None) -> bool:
    """Write one reminder for both people if the booking still meets it: confirmed, at `starts_at`,
    fixed early enough, and the reminder due now. True if written now."""
    from .outbox import message_record
    now = now or timezone.now()
    booking = lock_booking(booking_id=booking_id).booking
    if booking.status != BookingStatus.CONFIRMED or booking.starts_at != starts_at or not _due(kind, starts_at=starts_at, now=now):
        return False
    fixed_at = time_fixed_at(booking_id=booking_id) or booking.created_at
    if kind not in dict(reminder_plan(starts_at=starts_at, fixed_at=fixed_at)):
        return False
    booking = Booking.objects.select_related("customer", "expert__user").get(pk=booking_id)
    written = False
    for role in (CUSTOMER, EXPERT):
        # A reminder that cannot be rendered is still written (render_failed), for the sweep to render again.
        written = message_record(planned=planned_reminder(booking=booking, kind=kind, role=role), booking=booking,
                                 key=reminder_key(booking_id=booking.pk, kind=kind, starts_at=starts_at, role=role),
                                 now=now) is not None or written
    return written


def planned_reminder(*, booking: Booking, kind: str, role: str) -> PlannedEmail:
    from . import content
    from .event_emails import PlannedEmail
    return PlannedEmail(kind, role, lambda: content.reminder(booking, role=role, soon=kind == SOON))


def reminder_key(*, booking_id: int, kind: str, starts_at: datetime, role: str) -> str:
    return f"booking:{booking_id}:{kind}:{starts_at:%Y%m%dT%H%M%SZ}:{role}"


def reminder_no_longer_applies(*, booking: Booking, kind: str, starts_at: datetime | None, now: datetime) -> str:
    """Why a reminder that could not be rendered at its time should not be sent now ("" if it still should)."""
    if booking.status != BookingStatus.CONFIRMED:
        return f"The session is {BookingStatus(booking.status).label.lower()} now."
    if starts_at is None or booking.starts_at != starts_at:
        return "The session has moved since; the reminders for its new time are written on their own."
    if not _due(kind, starts_at=starts_at, now=now):
        return "It is too late for this reminder."
    return ""


def reminders_send_due(*, now: datetime | None = None) -> int:
    """The sweep: write every reminder due now that has not been written (its timer lost or late)."""
    from .models import Message
    now = now or timezone.now()
    horizon = now + timedelta(hours=settings.REMINDER_DAY_BEFORE_HOURS)
    upcoming = list(Booking.objects.filter(status=BookingStatus.CONFIRMED, starts_at__gt=now, starts_at__lte=horizon)
                    .values_list("pk", "starts_at"))
    if not upcoming:
        return 0
    written = set(Message.objects.filter(booking_id__in=[pk for pk, _ in upcoming], kind__in=[DAY_BEFORE, SOON])
                  .values_list("key", flat=True))
    sent = 0
    for booking_id, starts_at in upcoming:
        for kind in (DAY_BEFORE, SOON):
            key = reminder_key(booking_id=booking_id, kind=kind, starts_at=starts_at, role=CUSTOMER)
            if key in written or not _due(kind, starts_at=starts_at, now=now):
                continue
            try:
                sent += reminder_send(booking_id=booking_id, kind=kind, starts_at=starts_at, now=now)
            except Busy:  # the booking is being changed right now
                logger.warning("The %s reminder of booking %s waits for its lock; the next sweep writes it",
                               kind, booking_id)
            except Exception:  # one booking's trouble must not hold up everyone else's reminders
                logger.exception("Could not write the %s reminder of booking %s; the next sweep tries again",
                                 kind, booking_id)
    return sent
