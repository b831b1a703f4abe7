"""Availability API: the brief's slot and date endpoints, and the expert's own rules."""
from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from ninja import Body, Router
from ninja.security import django_auth

from serene.core.errors import InvalidInput
from serene.core.timezones import is_valid_time_zone
from serene.experts.models import Expert

from . import selectors, services

router = Router(tags=["availability"])


def _zone(raw: str | None, field: str, default: str) -> ZoneInfo:
    name = raw.strip() if raw else default
    if not is_valid_time_zone(name):
        raise InvalidInput(f"{field} {name!r} is not an IANA time zone such as Asia/Kolkata.", field=field)
    return ZoneInfo(name)


def _duration(raw: str | None, expert: Expert) -> int:
    offered = sorted(expert.offered_durations)
    if raw is None or raw.strip() == "":
        return 60 if 60 in offered else offered[0]
    if not raw.strip().isdigit():
        raise InvalidInput("duration must be a whole number of minutes.", field="duration")
    minutes = int(raw)
    if minutes not in offered:
        raise InvalidInput(f"This expert offers {', '.join(map(str, offered))} minute sessions, not {minutes}.",
                           field="duration")
    return minutes


def _iso(instant) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")




@router.get("/experts/availability", auth=django_auth, summary="The signed-in expert's availability rules")
def get_own_availability(request: HttpRequest):
    return {"success": True, "expert": services.availability_as_json(expert=selectors.expert_of_user(user=request.user))}


@router.put("/experts/availability", auth=django_auth, summary="Replace the signed-in expert's availability rules")
def put_own_availability(request: HttpRequest, body: Any = Body(..., description=(
        'The brief\'s body: workingHours keyed "0" (Sunday) to "6" with start, end, enabled (or ranges), '
        "workingDays, breakTimes [{start, end, days}], plus dateOverrides [{startDate, endDate, available, "
        "ranges, note}], timezone, slotInterval, durations, bufferMinutes, minimumNoticeHours, bookingHorizonDays."))):
    expert = selectors.expert_of_user(user=request.user)
    change = services.availability_parse(expert=expert, body=body)
    expert = services.availability_update(expert=expert, change=change)
    return {"success": True, "expert": services.availability_as_json(expert=expert)}


@router.get("/experts/{expert_id}/availability", summary="Slots of one day, booked ones included")
def get_availability(request: HttpRequest, expert_id: str, date: str | None = None, duration: str | None = None,
                     tz: str | None = None, dateTz: str | None = None):
    expert = selectors.expert_for_slots(slug=expert_id)
    if not date or not re.match(r"^\d{4}-\d{2}-\d{2}$", date):
        raise InvalidInput("date must be given as YYYY-MM-DD.", field="date")
    try:
        day = _parse_date(date)
    except ValueError:
        raise InvalidInput(f"{date} is not a real date.", field="date") from None
    minutes = _duration(duration, expert)
    expert_zone = ZoneInfo(expert.time_zone)
    viewer_zone = _zone(tz, "tz", expert.time_zone) if tz else None
    date_zone = _zone(dateTz, "dateTz", expert.time_zone) if dateTz else None
    slots = selectors.slot_list_for_day(expert=expert, day=day, duration_minutes=minutes, now=timezone.now(),
                                        viewer_zone=date_zone)
    items = []
    for slot in slots:
        item = {"time": slot.local_time.strftime("%H:%M"), "available": slot.available,
                "status": "available" if slot.available else slot.reason, "reason": slot.reason,
                "startsAt": _iso(slot.starts_at), "endsAt": _iso(slot.ends_at),
                "expertDate": slot.local_date.isoformat()}
        if viewer_zone is not None:
            local = slot.starts_at.astimezone(viewer_zone)
            item["localTime"] = local.strftime("%H:%M")
            item["localDate"] = local.date().isoformat()
            item["localEndTime"] = slot.ends_at.astimezone(viewer_zone).strftime("%H:%M")
        items.append(item)
    response = {"success": True, "date": day.isoformat(), "timezone": expert_zone.key, "duration": minutes,
                "availableSlots": items}
    if viewer_zone is not None:
        response["viewerTimezone"] = viewer_zone.key
    return response


def _parse_date(text: str) -> date:
    return date.fromisoformat(text)


def _month_and_year(month: str | None, year: str | None) -> tuple[int, int]:
    if not month:
        raise InvalidInput("month is required: month=1&year=2026 or month=2026-01.", field="month")
    month = month.strip()
    if match := re.match(r"^(\d{4})-(\d{1,2})$", month):
        year_number, month_number = int(match.group(1)), int(match.group(2))
        if year and year.strip() and year.strip() != match.group(1):
            raise InvalidInput("year disagrees with the year in month.", field="year")
    elif month.isdigit():
        month_number = int(month)
        if not year or not year.strip().isdigit():
            raise InvalidInput("year must be given as four digits, e.g. year=2026.", field="year")
        year_number = int(year)
    else:
        raise InvalidInput("month must be 1–12 (with year) or YYYY-MM.", field="month")
    if not 1 <= month_number <= 12:
        raise InvalidInput(f"month must be between 1 and 12, not {month_number}.", field="month")
    if not 2000 <= year_number <= 2100:
        raise InvalidInput("year must be between 2000 and 2100.", field="year")
    return month_number, year_number


@router.get("/experts/{expert_id}/available-dates", summary="Dates of a month with at least one free slot")
def get_available_dates(request: HttpRequest, expert_id: str, month: str | None = None, year: str | None = None,
                        duration: str | None = None, tz: str | None = None):
    expert = selectors.expert_for_slots(slug=expert_id)
    month_number, year_number = _month_and_year(month, year)
    minutes = _duration(duration, expert)
    zone = _zone(tz, "tz", expert.time_zone)
    first = date(year_number, month_number, 1)
    last = date(year_number, month_number, calendar.monthrange(year_number, month_number)[1])
    dates = selectors.available_date_list(expert=expert, first_day=first, last_day=last, duration_minutes=minutes,
                                          now=timezone.now(), viewer_zone=zone)
    return {"success": True, "month": f"{year_number:04d}-{month_number:02d}", "timezone": zone.key,
            "duration": minutes, "availableDates": [day.isoformat() for day in dates]}
