"""Availability API: the brief's slot and date endpoints, and the expert's own rules."""
from __future__ import annotations

import calendar
import json
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Body, Field, Path, Query, Router, Schema

from serene.core.api_common import DATE_PATTERN, ISO_INSTANT_PATTERN, answers, session_auth
from serene.core.date_input import calendar_day_from_text
from serene.core.errors import InvalidInput
from serene.core.timezones import CALENDAR_FIRST_DAY, CALENDAR_LAST_DAY, format_utc_offset, time_zone_or_none
from serene.experts.api import EXPERT_ID_PATTERN, SessionLength
from serene.experts.models import Expert
from serene.experts.selectors import expert_session_length

from . import engine, selectors, services
from .memo import BoundedMemo

router = Router(tags=["availability"])

TIME_ZONE_PATTERN = r"^[A-Za-z0-9_+\-/]{1,64}$"


class DayQuery(Schema):
    date: str = Field(pattern=DATE_PATTERN, json_schema_extra={"format": "date"},
                      description="YYYY-MM-DD, between 2000-01-01 and 2100-12-31: the expert's date (or dateTz's).")
    duration: SessionLength | None = Field(None, description="Minutes; one the expert offers. Default 60 if offered, "
                                                             "else the shortest.")
    tz: str | None = Field(None, pattern=TIME_ZONE_PATTERN, description="Also give each slot's time in this IANA zone.")
    dateTz: str | None = Field(None, pattern=TIME_ZONE_PATTERN,
                               description="Read `date` as a day in this IANA zone instead of the expert's.")


class MonthQuery(Schema):
    month: str = Field(pattern=r"^(\d{1,2}|\d{4}-\d{1,2})$", description="1–12 (with year), or YYYY-MM.")
    year: int | None = Field(None, ge=2000, le=2100, description="Four digits; needed with a 1–12 month.")
    duration: SessionLength | None = Field(None, description="Minutes; one the expert offers. Default 60 if offered, "
                                                             "else the shortest.")
    tz: str | None = Field(None, pattern=TIME_ZONE_PATTERN, description="Whose calendar days: an IANA zone "
                                                                        "(default the expert's).")


class SlotOut(Schema):
    time: str = Field(description="HH:MM on the expert's clock.")
    available: bool
    status: str = Field(description="available, booked, past, notice, horizon or break.")
    reason: str | None
    startsAt: str = Field(pattern=ISO_INSTANT_PATTERN)
    endsAt: str = Field(pattern=ISO_INSTANT_PATTERN)
    expertDate: str = Field(json_schema_extra={"format": "date"})
    utcOffset: str = Field(pattern=r"^[+-]\d{2}:\d{2}$",
                           description="The expert's UTC offset at this slot. On a fall-back day two slots share a "
                                       'time and differ here: book the second with sessionTime "01:30-05:00".')
    localTime: str | None = Field(None, description="With tz: HH:MM in the viewer's zone.")
    localDate: str | None = Field(None, description="With tz: the viewer's date.")
    localEndTime: str | None = None


class DaySlotsOut(Schema):
    success: bool
    date: str = Field(json_schema_extra={"format": "date"})
    timezone: str
    duration: int
    availableSlots: list[SlotOut]
    viewerTimezone: str | None = None


class AvailableDatesOut(Schema):
    success: bool
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    timezone: str
    duration: int
    availableDates: list[str]


class TimeRangeOut(Schema):
    start: str
    end: str


class WorkingDayOut(Schema):
    start: str
    end: str
    enabled: bool
    ranges: list[TimeRangeOut]


class BreakOut(Schema):
    start: str
    end: str
    days: list[int]


class DateOverrideOut(Schema):
    startDate: str
    endDate: str
    available: bool
    ranges: list[TimeRangeOut]
    note: str


class ExpertAvailabilityOut(Schema):
    id: str
    name: str
    timezone: str
    workingHours: dict[str, WorkingDayOut]
    workingDays: list[int]
    breakTimes: list[BreakOut]
    dateOverrides: list[DateOverrideOut]
    slotInterval: int
    slotDuration: int
    durations: list[int]
    bufferMinutes: int
    minimumNoticeHours: int
    bookingHorizonDays: int


class ExpertAvailabilityResponse(Schema):
    success: bool
    expert: ExpertAvailabilityOut


def _zone(raw: str | None, field: str, default: str) -> ZoneInfo:
    """The zone a parameter names, under its current name (tz=Asia/Calcutta answers Asia/Kolkata)."""
    name = raw.strip() if raw else default
    canonical = time_zone_or_none(name)
    if canonical is None:
        raise InvalidInput(f"{field} {name!r} is not an IANA time zone such as Asia/Kolkata.", field=field)
    return ZoneInfo(canonical)


def _duration(minutes: int | None, expert: Expert) -> int:
    if minutes is None:
        return expert_session_length(expert=expert)
    offered = sorted(expert.offered_durations)
    if minutes not in offered:
        raise InvalidInput(f"This expert offers {', '.join(map(str, offered))} minute sessions, not {minutes}.",
                           field="duration")
    return int(minutes)


def _iso(instant) -> str:
    """A UTC instant to the second, "2026-01-15T03:30:00Z" (isoformat is C; the fraction is dropped)."""
    return instant.isoformat()[:19] + "Z"


def _json(payload: dict) -> HttpResponse:
    """A slot endpoint's answer, built as the schema's model_dump would (a test pins that), without
    validating it again: the read-heavy endpoints spent about a third of their time there."""
    return HttpResponse(json.dumps(payload), content_type="application/json; charset=utf-8")


@router.get("/experts/availability", auth=session_auth, response=answers({200: ExpertAvailabilityResponse}, 401, 403),
            summary="The signed-in expert's availability rules")
def get_own_availability(request: HttpRequest):
    return {"success": True, "expert": services.availability_as_json(expert=selectors.expert_of_user(user=request.user))}


@router.put("/experts/availability", auth=session_auth,
            response=answers({200: ExpertAvailabilityResponse}, 400, 401, 403, 413),
            summary="Replace the signed-in expert's availability rules")
def put_own_availability(request: HttpRequest, body: Any = Body(..., description=(
        'The brief\'s body: workingHours keyed "0" (Sunday) to "6" with start, end, enabled (or ranges), '
        "workingDays, breakTimes [{start, end, days}], plus dateOverrides [{startDate, endDate, available, "
        "ranges, note}], timezone, slotInterval, durations, bufferMinutes, minimumNoticeHours, bookingHorizonDays."))):
    expert = selectors.expert_of_user(user=request.user)
    change = services.availability_parse(expert=expert, body=body)
    expert = services.availability_update(expert=expert, change=change)
    return {"success": True, "expert": services.availability_as_json(expert=expert)}


@router.get("/experts/{expert_id}/availability", response=answers({200: DaySlotsOut}, 400, 404),
            summary="Slots of one day, booked ones included")
def get_availability(request: HttpRequest, params: Query[DayQuery],
                     expert_id: str = Path(..., pattern=EXPERT_ID_PATTERN, examples=["sarah-khan"])):
    day = calendar_day_from_text(params.date, field="date")
    now = timezone.now()
    expert, busy_read = selectors.expert_and_busy_for_slots(slug=expert_id, first_day=day, last_day=day, now=now)
    minutes = _duration(params.duration, expert)
    expert_zone = ZoneInfo(expert.time_zone)
    viewer_zone = _zone(params.tz, "tz", expert.time_zone) if params.tz else None
    date_zone = _zone(params.dateTz, "dateTz", expert.time_zone) if params.dateTz else None
    key = selectors.rules_memo_key(expert, "day-json", day, minutes, date_zone.key if date_zone else None,
                                   viewer_zone.key if viewer_zone else None)
    found = DAY_FRAGMENTS.get(key)
    if found is None:
        _, window_start, window_end, positions = selectors.day_positions(
            expert=expert, day=day, duration_minutes=minutes, now=now, viewer_zone=date_zone)
        found = (window_start, window_end, _slot_fragments(positions, viewer_zone))
        DAY_FRAGMENTS.put(key, found)
    window_start, window_end, fragments = found
    busy = selectors.busy_index_from(busy_read, expert, window_start, window_end, now, minutes)
    clock = selectors.slot_clock(expert, now, minutes)
    slot_reason = engine.slot_reason
    items = ",".join([head + STATUS_JSON[slot_reason(start, clock, busy)] + tail for start, head, tail in fragments])
    return HttpResponse(
        f'{{"success": true, "date": "{day.isoformat()}", "timezone": {json.dumps(expert_zone.key)}, '
        f'"duration": {minutes}, "availableSlots": [{items}], '
        f'"viewerTimezone": {json.dumps(viewer_zone.key if viewer_zone is not None else None)}}}',
        content_type="application/json; charset=utf-8")


# A slot's JSON in three parts: what the rules fix (before and after) and, between them, its status,
# which the clock and busy time decide on each request. The fixed parts are kept per expert, day,
# length and zones (their key holds the rules cache's key, so an edit is never answered from them).
DAY_FRAGMENTS = BoundedMemo(max_entries=1000)
STATUS_JSON: dict[str | None, str] = {None: '"available": true, "status": "available", "reason": null',
               **{reason: f'"available": false, "status": "{reason}", "reason": "{reason}"'
                  for reason in (engine.PAST, engine.NOTICE, engine.HORIZON, engine.BOOKED)}}


def _slot_fragments(positions, viewer_zone: ZoneInfo | None) -> tuple[tuple[float, str, str], ...]:
    """Each slot's (start in POSIX seconds, JSON before its status, JSON after it), in the order and
    with the keys of SlotOut."""
    fragments = []
    for position in positions:
        starts_at, ends_at = position.starts_at, position.ends_at
        # The expert's offset at this slot, from the wall-clock time the engine already worked out.
        offset = datetime.combine(position.local_date, position.local_time) - starts_at.replace(tzinfo=None)
        local = {"localTime": None, "localDate": None, "localEndTime": None}
        if viewer_zone is not None:
            viewer_start = starts_at.astimezone(viewer_zone)
            local = {"localTime": viewer_start.time().isoformat("minutes"),
                     "localDate": viewer_start.date().isoformat(),
                     "localEndTime": ends_at.astimezone(viewer_zone).time().isoformat("minutes")}
        head = json.dumps({"time": position.local_time.isoformat("minutes")})[:-1] + ", "
        tail = ", " + json.dumps({"startsAt": _iso(starts_at), "endsAt": _iso(ends_at),
                                  "expertDate": position.local_date.isoformat(),
                                  "utcOffset": format_utc_offset(offset), **local})[1:]
        fragments.append((position.start_seconds, head, tail))
    return tuple(fragments)


def _month_and_year(month: str, year: int | None) -> tuple[int, int]:
    if match := re.match(r"^(\d{4})-(\d{1,2})$", month):
        year_number, month_number = int(match.group(1)), int(match.group(2))
        if year is not None and year != year_number:
            raise InvalidInput("year disagrees with the year in month.", field="year")
    else:
        month_number = int(month)
        if year is None:
            raise InvalidInput("year must be given as four digits, e.g. year=2026.", field="year")
        year_number = year
    if not 1 <= month_number <= 12:
        raise InvalidInput(f"month must be between 1 and 12, not {month_number}.", field="month")
    if not CALENDAR_FIRST_DAY.year <= year_number <= CALENDAR_LAST_DAY.year:
        raise InvalidInput(f"year must be between {CALENDAR_FIRST_DAY.year} and {CALENDAR_LAST_DAY.year}.",
                           field="year")
    return month_number, year_number


@router.get("/experts/{expert_id}/available-dates", response=answers({200: AvailableDatesOut}, 400, 404),
            summary="Dates of a month with at least one free slot")
def get_available_dates(request: HttpRequest, params: Query[MonthQuery],
                        expert_id: str = Path(..., pattern=EXPERT_ID_PATTERN, examples=["sarah-khan"])):
    month_number, year_number = _month_and_year(params.month, params.year)
    first = date(year_number, month_number, 1)
    last = date(year_number, month_number, calendar.monthrange(year_number, month_number)[1])
    now = timezone.now()
    expert, busy_read = selectors.expert_and_busy_for_slots(slug=expert_id, first_day=first, last_day=last, now=now)
    minutes = _duration(params.duration, expert)
    zone = _zone(params.tz, "tz", expert.time_zone)
    dates = selectors.available_date_list(expert=expert, first_day=first, last_day=last, duration_minutes=minutes,
                                          now=now, viewer_zone=zone, busy_read=busy_read)
    return _json({"success": True, "month": f"{year_number:04d}-{month_number:02d}", "timezone": zone.key,
                  "duration": minutes, "availableDates": [day.isoformat() for day in dates]})
