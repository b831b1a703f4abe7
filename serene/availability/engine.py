"""The slot engine: turns an expert's wall-clock rules and busy time into bookable slots.

Pure: plain data in, plain data out; no ORM, no clock, no settings. Rules are wall-clock times in
the expert's zone, expanded to UTC instants date by date, so daylight-saving days come out right:
slots step through real time, a local time that does not exist (spring forward) yields no slot,
and one that happens twice (fall back) yields two slots at two different instants.

Weekdays use the brief's numbering: 0 = Sunday … 6 = Saturday.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc

# Why a slot cannot be booked, in the order they are checked.
PAST = "past"
NOTICE = "notice"
HORIZON = "horizon"
BOOKED = "booked"


@dataclass(frozen=True)
class TimeRange:
    """A wall-clock range within one day, start inclusive, end exclusive."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"range end {self.end} must be after its start {self.start}")


@dataclass(frozen=True)
class Break:
    start: time
    end: time
    weekdays: frozenset[int]


@dataclass(frozen=True)
class Rules:
    time_zone: str
    weekly: dict[int, tuple[TimeRange, ...]]
    breaks: tuple[Break, ...] = ()
    # A date mapped to its own ranges; an empty tuple is a day off.
    overrides: dict[date, tuple[TimeRange, ...]] = field(default_factory=dict)
    slot_interval_minutes: int = 15
    buffer_minutes: int = 0
    notice_minutes: int = 0
    horizon_days: int = 60

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Slot:
    local_date: date          # the expert's date
    local_time: time          # the expert's wall-clock time
    starts_at: datetime       # UTC
    ends_at: datetime         # UTC
    available: bool
    reason: str | None = None


def weekday_of(day: date) -> int:
    """The brief's weekday number: 0 = Sunday … 6 = Saturday."""
    return day.isoweekday() % 7


def local_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a date in a zone, as a UTC instant.

    A time inside the spring-forward gap is read with the offset in force before the gap (PEP 495's
    fold=0), so 02:30 on a New York spring-forward day is 03:30 EDT; an ambiguous time is its first
    occurrence.
    """
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def _subtract(intervals: list[Interval], cut: Interval) -> list[Interval]:
    result = []
    for interval in intervals:
        if cut.end <= interval.start or cut.start >= interval.end:
            result.append(interval)
            continue
        if interval.start < cut.start:
            result.append(Interval(interval.start, cut.start))
        if cut.end < interval.end:
            result.append(Interval(cut.end, interval.end))
    return result


def working_intervals(rules: Rules, day: date) -> list[Interval]:
    """The expert's working time on their local date `day`, breaks removed, as UTC intervals."""
    zone = rules.zone
    ranges = rules.overrides.get(day, rules.weekly.get(weekday_of(day), ()))
    intervals = sorted((Interval(local_to_utc(day, r.start, zone), local_to_utc(day, r.end, zone))
                        for r in ranges), key=lambda interval: interval.start)
    intervals = [interval for interval in intervals if interval.start < interval.end]
    weekday = weekday_of(day)
    for pause in rules.breaks:
        if weekday in pause.weekdays and pause.start < pause.end:
            intervals = _subtract(intervals, Interval(local_to_utc(day, pause.start, zone),
                                                      local_to_utc(day, pause.end, zone)))
    return intervals


class BusyIndex:
    """Busy intervals (each already including its booking's buffer) for fast overlap tests."""

    def __init__(self, busy: list[Interval]) -> None:
        ordered = sorted(busy, key=lambda interval: interval.start)
        self._starts = [interval.start for interval in ordered]
        self._intervals = ordered
        # Running maximum of ends lets one bisect answer "does anything before here reach past t?".
        self._max_end: list[datetime] = []
        running = None
        for interval in ordered:
            running = interval.end if running is None or interval.end > running else running
            self._max_end.append(running)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        index = bisect.bisect_left(self._starts, end)  # intervals starting before `end`
        return index > 0 and self._max_end[index - 1] > start


def _first_grid_instant(start: datetime, zone: ZoneInfo, interval_minutes: int) -> datetime:
    local = start.astimezone(zone)
    minute_of_day = local.hour * 60 + local.minute
    extra = (-minute_of_day) % interval_minutes
    if extra == 0 and local.second == 0 and local.microsecond == 0:
        return start
    if extra == 0:
        extra = interval_minutes
    aligned = start + timedelta(minutes=extra) - timedelta(seconds=local.second, microseconds=local.microsecond)
    return aligned


def _iter_day_slots(rules: Rules, busy: BusyIndex, now: datetime, day: date, duration_minutes: int):
    """Yield the slots of the expert's local date in order (the work behind day_slots)."""
    zone = rules.zone
    step = timedelta(minutes=rules.slot_interval_minutes)
    length = timedelta(minutes=duration_minutes)
    buffer = timedelta(minutes=rules.buffer_minutes)
    notice_until = now + timedelta(minutes=rules.notice_minutes)
    horizon_end = now + timedelta(days=rules.horizon_days)
    interval_minutes = rules.slot_interval_minutes
    for interval in working_intervals(rules, day):
        start = _first_grid_instant(interval.start, zone, interval_minutes)
        # Within one offset the local time is the UTC time plus that offset: cheaper than astimezone.
        offset = interval.start.astimezone(zone).utcoffset()
        offset_is_constant = offset == (interval.end - timedelta(microseconds=1)).astimezone(zone).utcoffset()
        while start + length <= interval.end:
            local = (start + offset).replace(tzinfo=None) if offset_is_constant else \
                start.astimezone(zone).replace(tzinfo=None)
            # After an odd-sized offset change the UTC step can leave the local grid: skip those.
            if (local.hour * 60 + local.minute) % interval_minutes == 0:
                end = start + length
                if start <= now:
                    reason = PAST
                elif start < notice_until:
                    reason = NOTICE
                elif start > horizon_end:
                    reason = HORIZON
                elif busy.overlaps(start, end + buffer):
                    reason = BOOKED
                else:
                    reason = None
                yield Slot(local_date=local.date(), local_time=local.time(), starts_at=start, ends_at=end,
                           available=reason is None, reason=reason)
            start += step


def day_slots(rules: Rules, busy: BusyIndex, now: datetime, day: date, duration_minutes: int) -> list[Slot]:
    """Every slot of the expert's local date whose whole session fits in working time."""
    return list(_iter_day_slots(rules, busy, now, day, duration_minutes))


def expert_dates_covering(rules: Rules, start: datetime, end: datetime) -> list[date]:
    """The expert's local dates that overlap the UTC window [start, end)."""
    zone = rules.zone
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def _iter_slots_between(rules: Rules, busy: BusyIndex, now: datetime, start: datetime, end: datetime,
                        duration_minutes: int):
    for day in expert_dates_covering(rules, start, end):
        for slot in _iter_day_slots(rules, busy, now, day, duration_minutes):
            if start <= slot.starts_at < end:
                yield slot


def slots_between(rules: Rules, busy: BusyIndex, now: datetime, start: datetime, end: datetime,
                  duration_minutes: int) -> list[Slot]:
    """Slots starting in the UTC window [start, end), across however many expert days it touches."""
    return list(_iter_slots_between(rules, busy, now, start, end, duration_minutes))


def day_window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight at the start and end of `day` in `zone`."""
    return (local_to_utc(day, time(0), zone), local_to_utc(day + timedelta(days=1), time(0), zone))


def _first_available_in(rules: Rules, busy: BusyIndex, now: datetime, interval: Interval, window_start: datetime,
                        window_end: datetime, duration_minutes: int) -> bool | None:
    """Whether a working interval holds an available slot starting in [window_start, window_end),
    found by jumping over busy time rather than testing slot by slot; None when the interval spans
    an offset change (the caller then walks its slots).

    Each busy interval that blocks a start s blocks every start up to the latest end among the
    intervals starting before s + length + buffer, so the next candidate is the first grid instant
    at or after that end.
    """
    zone = rules.zone
    offset = interval.start.astimezone(zone).utcoffset()
    if offset != (interval.end - timedelta(microseconds=1)).astimezone(zone).utcoffset():
        return None
    step = timedelta(minutes=rules.slot_interval_minutes)
    length = timedelta(minutes=duration_minutes)
    reach = length + timedelta(minutes=rules.buffer_minutes)
    grid = _first_grid_instant(interval.start, zone, rules.slot_interval_minutes)
    lowest = max(window_start, now + timedelta(minutes=rules.notice_minutes), now + timedelta(microseconds=1))
    highest = min(interval.end - length, now + timedelta(days=rules.horizon_days),
                  window_end - timedelta(microseconds=1))

    def on_grid(instant: datetime) -> datetime:  # the first grid instant at or after `instant`
        if instant <= grid:
            return grid
        return grid + step * -((grid - instant) // step)

    start = on_grid(lowest)
    starts, max_end = busy._starts, busy._max_end
    while start <= highest:
        index = bisect.bisect_left(starts, start + reach)
        if index == 0 or max_end[index - 1] <= start:
            return True
        start = on_grid(max_end[index - 1])
    return False


def has_available_slot(rules: Rules, busy: BusyIndex, now: datetime, window_start: datetime, window_end: datetime,
                       duration_minutes: int) -> bool:
    """any(slot.available for slot in slots_between(...)), without listing the slots."""
    for day in expert_dates_covering(rules, window_start, window_end):
        intervals = working_intervals(rules, day)
        found = [_first_available_in(rules, busy, now, interval, window_start, window_end, duration_minutes)
                 for interval in intervals]
        if True in found:
            return True
        if None in found:  # a day with an offset change: walk its slots
            if any(slot.available and window_start <= slot.starts_at < window_end
                   for slot in _iter_day_slots(rules, busy, now, day, duration_minutes)):
                return True
    return False


def available_dates(rules: Rules, busy: BusyIndex, now: datetime, first_day: date, last_day: date,
                    duration_minutes: int, viewer_zone: ZoneInfo) -> list[date]:
    """Dates (in the viewer's zone) from first_day to last_day that have at least one available slot.

    Each date stops at its first available slot (jumping over busy time), and dates wholly in the
    past or past the horizon are not expanded at all.
    """
    found = []
    earliest, latest = now, now + timedelta(days=rules.horizon_days)
    day = first_day
    while day <= last_day:
        window_start, window_end = day_window(day, viewer_zone)
        if window_end > earliest and window_start <= latest:
            if has_available_slot(rules, busy, now, window_start, window_end, duration_minutes):
                found.append(day)
        day += timedelta(days=1)
    return found


def next_available_slot(rules: Rules, busy: BusyIndex, now: datetime, duration_minutes: int,
                        max_days: int | None = None) -> Slot | None:
    """The earliest available slot from now, looking no further than the horizon."""
    zone = rules.zone
    today = now.astimezone(zone).date()
    days = min(rules.horizon_days, max_days) if max_days is not None else rules.horizon_days
    for offset in range(days + 1):
        for slot in day_slots(rules, busy, now, today + timedelta(days=offset), duration_minutes):
            if slot.available:
                return slot
    return None
