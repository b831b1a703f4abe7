"""The expert's dashboard reads: today's agenda, what waits for an answer, what is ahead and behind,
and which actions a page may offer on a booking now (the same rules moves.py enforces)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from serene.core.errors import InvalidInput, NotFound
from serene.core.pagination import Page, keyset_page
from serene.experts.models import Expert

from .models import Booking, BookingStatus
from .selectors import AHEAD_STATUSES, LISTED_STATUSES


@dataclass(frozen=True)
class ExpertAgenda:
    """The dashboard's lists, each bounded however long the practice's history: what waits for an
    answer, today, the rest of this week, and the latest past sessions. The `more_*` flags say that a
    list goes on, on the expert's sessions pages (expert_sessions_page)."""
    awaiting: list[Booking]  # paid, waiting for the expert's answer, not yet started (soonest first)
    today: list[Booking]     # today's sessions on the expert's clock (kept or finished)
    upcoming: list[Booking]  # kept sessions of the next WEEK_DAYS days after today
    past: list[Booking]      # sessions before today, newest first
    more_awaiting: bool = False
    more_later: bool = False  # kept sessions after those in `upcoming`
    more_past: bool = False


# Pages offer "mark no-show" for this long after a session's start (the service allows it later; a
# correction that late is staff's, in the admin).
NO_SHOW_OFFER_DAYS = timedelta(days=7)
AGENDA_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
WEEK_DAYS = 7          # the dashboard's "this week": the days after today shown in full
AWAITING_SHOWN = 20
UPCOMING_SHOWN = 20
PAST_SHOWN = 10
SESSIONS_PAGE = 20     # the sessions pages' page size


def _day_starts(expert: Expert, now: datetime) -> tuple[datetime, datetime]:
    zone = ZoneInfo(expert.time_zone)
    today_start = datetime.combine(now.astimezone(zone).date(), time(), tzinfo=zone)
    tomorrow_start = datetime.combine(today_start.date() + timedelta(days=1), time(), tzinfo=zone)
    return today_start, tomorrow_start


def _bookings_of(expert: Expert):
    return Booking.objects.select_related("expert__user", "customer").filter(expert=expert)


def expert_agenda(*, expert: Expert, now: datetime | None = None, past_limit: int = PAST_SHOWN) -> ExpertAgenda:
    """Five bounded queries, whatever the size of the practice (each reads its rows through the
    (expert, status, starts_at) index)."""
    now = now or timezone.now()
    today_start, tomorrow_start = _day_starts(expert, now)
    week_end = datetime.combine(tomorrow_start.date() + timedelta(days=WEEK_DAYS), time(),
                                tzinfo=tomorrow_start.tzinfo)
    bookings = _bookings_of(expert)
    awaiting = list(bookings.filter(status=BookingStatus.AWAITING_APPROVAL, starts_at__gt=now)
                    .order_by("starts_at", "pk")[:AWAITING_SHOWN + 1])
    today = bookings.filter(status__in=AGENDA_STATUSES, starts_at__gte=today_start,
                            starts_at__lt=tomorrow_start).order_by("starts_at", "pk")
    ahead = list(bookings.filter(status=BookingStatus.CONFIRMED, starts_at__gte=tomorrow_start)
                 .order_by("starts_at", "pk")[:UPCOMING_SHOWN + 1])
    this_week = [booking for booking in ahead[:UPCOMING_SHOWN] if booking.starts_at < week_end]
    past = list(bookings.filter(status__in=LISTED_STATUSES, starts_at__lt=today_start)
                .order_by("-starts_at", "-pk")[:past_limit + 1])
    return ExpertAgenda(awaiting=awaiting[:AWAITING_SHOWN], today=list(today), upcoming=this_week,
                        past=past[:past_limit], more_awaiting=len(awaiting) > AWAITING_SHOWN,
                        more_later=len(ahead) > len(this_week), more_past=len(past) > past_limit)


def expert_sessions_page(*, expert: Expert, when: str, cursor: str | None = None, now: datetime | None = None,
                         limit: int = SESSIONS_PAGE) -> Page[Booking]:
    """One page of the expert's sessions after today ("later": kept or awaiting an answer, soonest
    first) or before today ("past": every listed state, newest first)."""
    now = now or timezone.now()
    today_start, tomorrow_start = _day_starts(expert, now)
    bookings = _bookings_of(expert)
    if when == "later":
        return keyset_page(bookings.filter(status__in=AHEAD_STATUSES, starts_at__gte=tomorrow_start),
                           key="starts_at", newest_first=False, cursor=cursor, limit=limit)
    if when == "past":
        return keyset_page(bookings.filter(status__in=LISTED_STATUSES, starts_at__lt=today_start),
                           key="starts_at", newest_first=True, cursor=cursor, limit=limit)
    raise InvalidInput("Choose later or past sessions.", field="when")


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


# Sessions a day off (or other hours) now leaves outside the expert's time: listed on the availability
# editor, where the expert keeps each or cancels it with a full refund (desk's cancel page).
DAYS_OFF_SESSIONS_SHOWN = 50


def expert_sessions_on_days_off(*, expert: Expert, now: datetime | None = None) -> list[Booking]:
    """The expert's sessions ahead (confirmed or awaiting approval) that fall on a date override of
    theirs and outside its hours: on a day off, or beyond the other hours set for that date. Read on
    the expert's clock; bounded by the last override and DAYS_OFF_SESSIONS_SHOWN."""
    from serene.availability.models import DateOverride  # bookings sits above availability

    now = now or timezone.now()
    zone = ZoneInfo(expert.time_zone)
    overrides = list(DateOverride.objects.filter(expert=expert, end_date__gte=now.astimezone(zone).date()))
    if not overrides:
        return []
    last_day = max(override.end_date for override in overrides) + timedelta(days=1)
    upcoming = (_bookings_of(expert).filter(status__in=(BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL),
                                            starts_at__gt=now,
                                            starts_at__lt=datetime.combine(last_day, time(), tzinfo=zone))
                .order_by("starts_at"))
    found = []
    for booking in upcoming:
        start, end = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
        covering = [override for override in overrides if override.start_date <= start.date() <= override.end_date]
        if covering and not any(_within(override.ranges, start, end) for override in covering):
            found.append(booking)
            if len(found) >= DAYS_OFF_SESSIONS_SHOWN:
                break
    return found


def _within(ranges: list[dict], start: datetime, end: datetime) -> bool:
    """The session lies inside one of an override's ranges ("HH:MM" wall times of its date)."""
    for item in ranges:
        opens = time.fromisoformat(item["start"])
        closes = time.fromisoformat(item["end"]) if item["end"] not in ("24:00", "23:59") else time.max
        if start.time() >= opens and end.date() == start.date() and end.time() <= closes:
            return True
    return False
