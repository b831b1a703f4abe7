"""In-app notices: what a booking's recorded moves tell its expert, and reading them.

notices_for_booking_event runs inside the transaction of the move it reports (receivers.py), so a
notice exists exactly when its move committed. Its key names the event and the kind, so running it
twice for one event still leaves one notice.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from serene.accounts.models import User
from serene.bookings.models import Actor, Booking, BookingEvent, BookingStatus
from serene.core.errors import NotFound
from serene.core.timefmt import canonical_time_zone, format_short_day, format_time

from .models import Notice

logger = logging.getLogger(__name__)


class NoticeKind:
    NEW_BOOKING = "new_booking"
    APPROVAL_WAITING = "approval_waiting"
    CANCELLED = "cancelled"
    MOVED = "moved"


# The recorded moves the expert hears about, by (from, to). A reschedule is told by its moved_from.
_KIND_OF_MOVE: dict[tuple[str, str], str] = {
    (BookingStatus.PENDING, BookingStatus.CONFIRMED): NoticeKind.NEW_BOOKING,
    (BookingStatus.EXPIRED, BookingStatus.CONFIRMED): NoticeKind.NEW_BOOKING,  # paid after the hold ran out, the time still free
    (BookingStatus.PENDING, BookingStatus.AWAITING_APPROVAL): NoticeKind.APPROVAL_WAITING,
    (BookingStatus.EXPIRED, BookingStatus.AWAITING_APPROVAL): NoticeKind.APPROVAL_WAITING,
    (BookingStatus.CONFIRMED, BookingStatus.CANCELLED): NoticeKind.CANCELLED,
    (BookingStatus.AWAITING_APPROVAL, BookingStatus.CANCELLED): NoticeKind.CANCELLED,
}


def _kind_of(event: BookingEvent) -> str | None:
    if event.moved_from is not None:
        return NoticeKind.MOVED
    return _KIND_OF_MOVE.get((event.from_status, event.to_status))


def short_when(instant: datetime, zone: str) -> str:
    """"Tue 1 Dec, 4:30 pm", in `zone`."""
    local_day = instant.astimezone(ZoneInfo(canonical_time_zone(zone))).date()
    return f"{format_short_day(local_day)}, {format_time(instant, zone)}"


def _by_whom(event: BookingEvent) -> str:
    if event.actor == Actor.CUSTOMER:
        return "by the customer"
    if event.actor == Actor.STAFF:
        return "by Serene staff"
    return "by Serene"


def _text(kind: str, event: BookingEvent, booking: Booking) -> str:
    """"New booking: Asha Verma, Tue 1 Dec, 4:30 pm (60 min)", times in the expert's zone."""
    zone = booking.expert.time_zone
    customer, length = booking.customer.name, f"({booking.duration_minutes} min)"
    when = short_when(booking.starts_at, zone)
    if kind == NoticeKind.NEW_BOOKING:
        return f"New booking: {customer}, {when} {length}"
    if kind == NoticeKind.APPROVAL_WAITING:
        deadline = booking.starts_at - timedelta(hours=settings.APPROVAL_DEADLINE_HOURS)
        return f"Approval waiting: {customer}, {when} {length}. Please answer by {short_when(deadline, zone)}."
    if kind == NoticeKind.CANCELLED:
        return f"Cancelled {_by_whom(event)}: {customer}, {when} {length}"
    if event.moved_from is None:  # a reschedule's event records the start it left
        raise ValueError(f"The {kind} notice needs the start the session moved from (event {event.pk}).")
    return f"Session moved {_by_whom(event)}: {customer}, now {when} {length}, was {short_when(event.moved_from, zone)}"


_FALLBACK_TEXT = {
    NoticeKind.NEW_BOOKING: "New booking: open it for the details.",
    NoticeKind.APPROVAL_WAITING: "A booking is waiting for your approval: open it for the details.",
    NoticeKind.CANCELLED: "A session was cancelled: open it for the details.",
    NoticeKind.MOVED: "A session was moved: open it for the details.",
}


def _text_or_fallback(kind: str, event: BookingEvent, booking: Booking) -> str:
    """The notice's text; if composing it fails (a bug), a plain line of its kind, so the expert still
    hears of the move and the error is logged at ERROR rather than the notice lost."""
    try:
        return _text(kind, event, booking)
    except Exception:
        logger.exception("Could not compose the %s notice of booking event %s; it says so plainly instead",
                         kind, event.pk)
        return _FALLBACK_TEXT[kind]


# --- Services -------------------------------------------------------------------------------------

def notices_for_booking_event(*, event: BookingEvent) -> None:
    """Tell the booking's expert about a new booking, one waiting for approval, a cancellation or a
    move, in the caller's transaction. Moves the expert made themselves are not told back to them.

    Cheap on purpose, as it runs inside every booking move: no query for an event nobody hears
    about, otherwise one read of the booking and one insert that the unique key turns into nothing
    when this event's notice exists already.
    """
    kind = _kind_of(event)
    if kind is None:
        return
    booking = Booking.objects.select_related("expert__user", "customer").get(pk=event.booking_id)
    expert_user = booking.expert.user
    if event.actor_user_id is not None and event.actor_user_id == expert_user.pk:
        return
    notice = Notice(key=f"booking:{booking.pk}:event:{event.pk}:{kind}", user=expert_user, booking=booking,
                    kind=kind, text=_text_or_fallback(kind, event, booking)[:300],
                    link=reverse("customer:session", args=[booking.public_id]))
    Notice.objects.bulk_create([notice], ignore_conflicts=True)


def notice_mark_read(*, user: User, notice_id: int) -> Notice:
    """Mark one of the user's notices read (it stays read); anyone else's is NotFound, as an unknown id."""
    notice = Notice.objects.filter(user=user, pk=notice_id).first()
    if notice is None:
        raise NotFound("There is no such notification.")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        # Only if still unread, so a second tab does not move the time it was read.
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


def notices_mark_all_read(*, user: User) -> int:
    """Mark every unread notice of the user read; returns how many were."""
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# --- Selectors ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeCounts:
    total: int
    unread: int


def notices_unread_count(*, user: User) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).count()


BADGE_CAP = 100  # the badge says "99+" past 99: counting further would cost with every notice ever received


def notice_counts(*, user: User) -> NoticeCounts:
    """How many notices the user has and how many are unread, each counted up to BADGE_CAP, in one
    bounded query (the header's badge): the unread come first in (user, read_at) index order, so the
    unread among the first BADGE_CAP rows are all of them, or at least BADGE_CAP."""
    first = (Notice.objects.filter(user=user).order_by(F("read_at").desc(nulls_first=True))
             .values("id", "read_at")[:BADGE_CAP])
    counts = first.aggregate(total=Count("id"), unread=Count("id", filter=Q(read_at__isnull=True)))
    return NoticeCounts(total=counts["total"], unread=counts["unread"])


def notice_list(*, user: User, limit: int = 100) -> list[Notice]:
    """The user's newest notices first."""
    return list(Notice.objects.filter(user=user).order_by("-created_at", "-id")[:limit])
