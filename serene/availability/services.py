"""Writes of availability: validate the brief's availability body and save it in one transaction,
and the stamp that versions the cache of an expert's rules (RulesStamp). The booking settings that
live on Expert are stored by the experts app (experts.services.expert_booking_settings_update).

Every bad value raises InvalidInput naming its field (e.g. "workingHours.1.ranges.0.end"), so the
API answers 400 and nothing is half-written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict

from django.db import transaction
from django.utils import timezone

from serene.core.date_input import calendar_day_checked
from serene.core.errors import InvalidInput
from serene.core.locking import retry_on_lock_conflict
from serene.experts.locks import lock_expert
from serene.core.timezones import CALENDAR_FIRST_DAY, CALENDAR_LAST_DAY, time_zone_or_none
from serene.experts.models import OFFERED_DURATION_CHOICES, Expert
from serene.experts.services import BOOKING_SETTING_FIELDS, expert_booking_settings_update

from .models import MAX_BUFFER_MINUTES, DateOverride, RulesStamp, WeeklySchedule
from .selectors import schedule_of

TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SLOT_INTERVALS = (15, 30, 60)
MAX_NOTICE_HOURS = 24 * 30
MAX_HORIZON_DAYS = 365
MAX_OVERRIDE_DAYS = 366
MAX_RANGES_PER_DAY = 6


class DateOverrideIn(TypedDict):
    """One parsed date override: the fields of a DateOverride row but its expert."""
    start_date: date
    end_date: date
    ranges: list[dict[str, str]]
    note: str


@dataclass(frozen=True)
class AvailabilityChange:
    weekly_hours: dict[str, list[dict[str, str]]] | None = None
    breaks: list[dict] | None = None
    overrides: list[DateOverrideIn] | None = None
    time_zone: str | None = None
    slot_interval_minutes: int | None = None
    offered_durations: list[int] | None = None
    buffer_minutes: int | None = None
    minimum_notice_hours: int | None = None
    booking_horizon_days: int | None = None


def _time(value: Any, field: str) -> str:
    if not isinstance(value, str) or not TIME_PATTERN.match(value):
        raise InvalidInput("Enter a time as HH:MM, between 00:00 and 23:59.", field=field)
    return value


def _range(value: Any, field: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InvalidInput("Each time range needs a start and an end.", field=field)
    start = _time(value.get("start"), f"{field}.start")
    end = _time(value.get("end"), f"{field}.end")
    if end <= start:
        raise InvalidInput("The end time must be after the start time.", field=f"{field}.end")
    return {"start": start, "end": end}


def _ranges(values: Any, field: str) -> list[dict[str, str]]:
    if not isinstance(values, list):
        raise InvalidInput(f"{field} must be a list of time ranges.", field=field)
    if len(values) > MAX_RANGES_PER_DAY:
        raise InvalidInput(f"{field} may have at most {MAX_RANGES_PER_DAY} ranges.", field=field)
    ranges = sorted((_range(value, f"{field}.{index}") for index, value in enumerate(values)),
                    key=lambda item: item["start"])
    for earlier, later in zip(ranges, ranges[1:]):
        if later["start"] < earlier["end"]:
            raise InvalidInput(f"These hours overlap: {earlier['start']}–{earlier['end']} and {later['start']}–{later['end']}.",
                               field=field)
    return ranges


def _int(value: Any, field: str, *, allowed: tuple[int, ...] | None = None, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be a whole number.", field=field)
    if allowed is not None and value not in allowed:
        raise InvalidInput(f"{field} must be one of {', '.join(map(str, allowed))}.", field=field)
    if value < low or (high is not None and value > high):
        raise InvalidInput(f"{field} must be between {low} and {high}.", field=field)
    return value


def _weekday(value: Any, field: str) -> int:
    return _int(value, field, low=0, high=6)


def _date(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise InvalidInput("Choose a date (YYYY-MM-DD).", field=field)
    if re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return calendar_day_checked(day, field=field, message=f"Choose a date between {CALENDAR_FIRST_DAY:%Y} "
                                                                  f"and {CALENDAR_LAST_DAY:%Y}.")
    raise InvalidInput("Choose a real date (YYYY-MM-DD).", field=field)


def _parse_weekly(body: dict) -> dict[str, list[dict[str, str]]] | None:
    working_hours = body.get("workingHours")
    working_days = body.get("workingDays")
    if working_hours is None and working_days is None:
        return None
    if working_days is not None:
        if not isinstance(working_days, list):
            raise InvalidInput("workingDays must be a list of weekday numbers (0 = Sunday).", field="workingDays")
        working_days = {_weekday(day, f"workingDays.{index}") for index, day in enumerate(working_days)}
    if working_hours is None:
        current, _ = body["_current"]
        working_hours = {key: {"ranges": value or [{"start": "09:00", "end": "17:00"}]} for key, value in current.items()}
    if not isinstance(working_hours, dict):
        raise InvalidInput('workingHours must be an object keyed "0" (Sunday) to "6" (Saturday).', field="workingHours")
    weekly: dict[str, list[dict[str, str]]] = {}
    for key in map(str, range(7)):
        field = f"workingHours.{key}"
        day = working_hours.get(key)
        if day is None:
            weekly[key] = [] if working_days is None or int(key) not in working_days else \
                [{"start": "09:00", "end": "17:00"}]
            continue
        if not isinstance(day, dict):
            raise InvalidInput(f"{field} must be an object with start, end and enabled.", field=field)
        enabled = day.get("enabled")
        if enabled is not None and not isinstance(enabled, bool):
            raise InvalidInput(f"{field}.enabled must be true or false.", field=f"{field}.enabled")
        if working_days is not None:
            in_days = int(key) in working_days
            if enabled is not None and enabled != in_days:
                raise InvalidInput(f"workingDays and {field}.enabled disagree about this day.", field=f"{field}.enabled")
            enabled = in_days
        if enabled is None:
            enabled = True
        if "ranges" in day:
            ranges = _ranges(day["ranges"], f"{field}.ranges")
        elif "start" in day or "end" in day:
            ranges = [_range(day, field)]
        else:
            ranges = [{"start": "09:00", "end": "17:00"}] if enabled else []
        if enabled and not ranges:
            raise InvalidInput("This day is switched on but has no hours.", field=field)
        weekly[key] = ranges if enabled else []
    unknown = set(map(str, working_hours)) - set(map(str, range(7)))
    if unknown:
        raise InvalidInput(f'workingHours has unknown day {sorted(unknown)[0]!r}; use "0" (Sunday) to "6".',
                           field="workingHours")
    return weekly


def _parse_breaks(values: Any) -> list[dict] | None:
    if values is None:
        return None
    if not isinstance(values, list) or len(values) > 20:
        raise InvalidInput("breakTimes must be a list of at most 20 breaks.", field="breakTimes")
    breaks = []
    for index, value in enumerate(values):
        field = f"breakTimes.{index}"
        span = _range(value, field)
        days = value.get("days")
        if not isinstance(days, list) or not days:
            raise InvalidInput("Choose at least one day for this break (0 = Sunday).", field=f"{field}.days")
        breaks.append({**span, "days": sorted({_weekday(day, f"{field}.days.{n}") for n, day in enumerate(days)})})
    return breaks


def _parse_overrides(values: Any) -> list[DateOverrideIn] | None:
    if values is None:
        return None
    if not isinstance(values, list) or len(values) > 200:
        raise InvalidInput("dateOverrides must be a list of at most 200 entries.", field="dateOverrides")
    overrides: list[DateOverrideIn] = []
    for index, value in enumerate(values):
        field = f"dateOverrides.{index}"
        if not isinstance(value, dict):
            raise InvalidInput(f"{field} must be an object.", field=field)
        start = _date(value.get("startDate", value.get("date")), f"{field}.startDate")
        end = _date(value["endDate"], f"{field}.endDate") if value.get("endDate") else start
        if end < start:
            raise InvalidInput("The last date must not be before the first date.", field=f"{field}.endDate")
        if (end - start).days >= MAX_OVERRIDE_DAYS:
            raise InvalidInput(f"{field} may span at most {MAX_OVERRIDE_DAYS} days.", field=f"{field}.endDate")
        available = value.get("available", bool(value.get("ranges")))
        if not isinstance(available, bool):
            raise InvalidInput(f"{field}.available must be true or false.", field=f"{field}.available")
        ranges = _ranges(value.get("ranges", []), f"{field}.ranges") if available else []
        if available and not ranges:
            raise InvalidInput("Add the hours you are available on these dates.", field=f"{field}.ranges")
        note = value.get("note", "")
        if not isinstance(note, str) or len(note) > 120:
            raise InvalidInput(f"{field}.note must be text of at most 120 characters.", field=f"{field}.note")
        overrides.append({"start_date": start, "end_date": end, "ranges": ranges, "note": note})
    overrides.sort(key=lambda item: item["start_date"])
    for earlier, later in zip(overrides, overrides[1:]):
        if later["start_date"] <= earlier["end_date"]:
            raise InvalidInput(f"Date overrides for {earlier['start_date']} and {later['start_date']} overlap.",
                               field="dateOverrides")
    return overrides


def availability_parse(*, expert: Expert, body: Any) -> AvailabilityChange:
    """The brief's body (workingHours, workingDays, breakTimes) plus our policy fields."""
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.")
    body = {**body, "_current": schedule_of(expert)}
    time_zone = body.get("timezone")
    if time_zone is not None:
        sent, time_zone = time_zone, time_zone_or_none(time_zone)  # stored under its current name
        if time_zone is None:
            raise InvalidInput(f"timezone {sent!r} is not an IANA time zone such as Asia/Kolkata.", field="timezone")
    interval = body.get("slotInterval", body.get("slotDuration"))
    durations = body.get("durations")
    if durations is not None:
        if not isinstance(durations, list) or not durations:
            raise InvalidInput("durations must list at least one of 30, 60, 90, 120.", field="durations")
        durations = sorted({_int(value, f"durations.{index}", allowed=OFFERED_DURATION_CHOICES)
                            for index, value in enumerate(durations)})
    optional: dict[str, tuple[Any, str, dict[str, Any]]] = {  # value, field, _int's limits
        "slot_interval_minutes": (interval, "slotInterval", {"allowed": SLOT_INTERVALS}),
        "buffer_minutes": (body.get("bufferMinutes"), "bufferMinutes", {"high": MAX_BUFFER_MINUTES}),
        "minimum_notice_hours": (body.get("minimumNoticeHours"), "minimumNoticeHours", {"high": MAX_NOTICE_HOURS}),
        "booking_horizon_days": (body.get("bookingHorizonDays"), "bookingHorizonDays", {"low": 1, "high": MAX_HORIZON_DAYS}),
    }
    numbers = {name: _int(value, field, **limits) for name, (value, field, limits) in optional.items() if value is not None}
    return AvailabilityChange(
        weekly_hours=_parse_weekly(body), breaks=_parse_breaks(body.get("breakTimes")),
        overrides=_parse_overrides(body.get("dateOverrides")), time_zone=time_zone,
        offered_durations=durations, **numbers)


@retry_on_lock_conflict
@transaction.atomic
def availability_update(*, expert: Expert, change: AvailabilityChange) -> Expert:
    """Save a parsed change: the schedule, the overrides (replaced as a whole) and the policy knobs.

    Under the expert's lock, so a change never lands in the middle of a hold checking the rules. A
    change of the rules moves their stamp on, in this transaction: the key of the expert's cached
    rules (selectors.py) holds it, with the time zone and slot interval, which the experts app stores.
    """
    expert = lock_expert(expert_id=expert.pk)
    if change.weekly_hours is not None or change.breaks is not None:
        schedule, _ = WeeklySchedule.objects.get_or_create(expert=expert)
        if change.weekly_hours is not None:
            schedule.weekly_hours = change.weekly_hours
        if change.breaks is not None:
            schedule.breaks = change.breaks
        schedule.save()
    if change.overrides is not None:
        DateOverride.objects.filter(expert=expert).delete()
        DateOverride.objects.bulk_create(DateOverride(expert=expert, **item) for item in change.overrides)
    if change.weekly_hours is not None or change.breaks is not None or change.overrides is not None:
        rules_stamp_move(expert_id=expert.pk)
    settings_changed = {name: getattr(change, name) for name in BOOKING_SETTING_FIELDS
                        if getattr(change, name) is not None}
    return expert_booking_settings_update(expert=expert, **settings_changed)


def rules_stamp_move(*, expert_id: int, existing_only: bool = False) -> None:
    """Mark the expert's rules changed now, in the transaction of the change (if it has one): every
    cached copy of them is out of date from here (selectors.rules_cache_key). existing_only moves a
    stamp only if there is one (a deletion, which may be part of deleting the expert)."""
    now = timezone.now()
    if existing_only:
        RulesStamp.objects.filter(expert_id=expert_id).update(changed_at=now)
        return
    RulesStamp.objects.bulk_create([RulesStamp(expert_id=expert_id, changed_at=now)], update_conflicts=True,
                                   unique_fields=["expert"], update_fields=["changed_at"])


def availability_as_json(*, expert: Expert) -> dict:
    """The expert's rules in the brief's shape (plus ranges, overrides and policy)."""
    weekly_hours, breaks = schedule_of(expert)
    working_hours = {}
    for key in map(str, range(7)):
        ranges = weekly_hours.get(key, [])
        first = ranges[0] if ranges else {"start": "09:00", "end": "17:00"}
        working_hours[key] = {"start": first["start"], "end": ranges[-1]["end"] if ranges else first["end"],
                              "enabled": bool(ranges), "ranges": ranges}
    yesterday = timezone.now().date() - timedelta(days=1)
    overrides = DateOverride.objects.filter(expert=expert, end_date__gte=yesterday)
    return {
        "id": expert.slug,
        "name": expert.name,
        "timezone": expert.time_zone,
        "workingHours": working_hours,
        "workingDays": [int(key) for key in map(str, range(7)) if weekly_hours.get(key)],
        "breakTimes": breaks,
        "dateOverrides": [{"startDate": item.start_date.isoformat(), "endDate": item.end_date.isoformat(),
                           "available": not item.is_day_off, "ranges": item.ranges, "note": item.note}
                          for item in overrides],
        "slotInterval": expert.slot_interval_minutes,
        "slotDuration": expert.slot_interval_minutes,
        "durations": sorted(expert.offered_durations),
        "bufferMinutes": expert.buffer_minutes,
        "minimumNoticeHours": expert.minimum_notice_hours,
        "bookingHorizonDays": expert.booking_horizon_days,
    }
