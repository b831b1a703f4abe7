"""The expert's dashboard reads: today's agenda, what waits for an answer, what is ahead and behind,
and which actions a page may offer on a booking now (the same rules moves.py enforces)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from serene.core.errors import NotFound
from serene.experts.models import Expert

from .models import Booking, BookingStatus
from .selectors import LISTED_STATUSES


@dataclass(frozen=True)
class ExpertAgenda:
    awaiting: list[Booking]  # paid, waiting for the expert's answer, not yet started
    today: list[Booking]     # today's sessions on the expert's clock (kept or finished)
    upcoming: list[Booking]  # kept sessions after today
    past: list[Booking]      # sessions before today, newest first


# Pages offer "mark no-show" for this long after a session's start (the service allows it later; a
# correction that late is staff's, in the admin).
NO_SHOW_OFFER_DAYS = timedelta(days=7)
AGENDA_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


def expert_agenda(*, expert: Expert, now: datetime | None = None, past_limit: int = 10) -> ExpertAgenda:
    now = now or timezone.now()
    zone = ZoneInfo(expert.time_zone)
    today_start = datetime.combine(now.astimezone(zone).date(), time(), tzinfo=zone)
    tomorrow_start = datetime.combine(today_start.date() + timedelta(days=1), time(), tzinfo=zone)
    bookings = Booking.objects.select_related("expert__user", "customer").filter(expert=expert)
    awaiting = bookings.filter(status=BookingStatus.AWAITING_APPROVAL, starts_at__gt=now).order_by("starts_at")
    today = bookings.filter(status__in=AGENDA_STATUSES, starts_at__gte=today_start,
                            starts_at__lt=tomorrow_start).order_by("starts_at")
    upcoming = bookings.filter(status=BookingStatus.CONFIRMED, starts_at__gte=tomorrow_start).order_by("starts_at")
    past = bookings.filter(status__in=LISTED_STATUSES, starts_at__lt=today_start).order_by("-starts_at")[:past_limit]
    return ExpertAgenda(awaiting=list(awaiting), today=list(today), upcoming=list(upcoming), past=list(past))


def expert_actions_for(*, booking: Booking, now: datetime | None = None) -> list[str]:
    """What the expert can do with this booking now: accept, reject, cancel, no_show (in that order).

    Mirrors the rules in moves.py so a page offers only what the service will allow."""
    now = now or timezone.now()
    started = booking.starts_at <= now
    if booking.status == BookingStatus.AWAITING_APPROVAL and not started:
        return ["accept", "reject"]
    if booking.status == BookingStatus.CONFIRMED and not started:
        return ["cancel"]
    if (booking.status in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED) and started
            and now - booking.starts_at <= NO_SHOW_OFFER_DAYS):
        return ["no_show"]
    return []


def expert_of(*, user) -> Expert:
    """The signed-in user's own expert profile; anyone else hears the same 404 as for a missing page."""
    expert = Expert.objects.filter(user=user).select_related("user").first() if user.is_authenticated else None
    if expert is None:
        raise NotFound("This page is for experts.")
    return expert
