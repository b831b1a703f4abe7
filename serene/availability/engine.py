"""The slot engine: turns an expert's wall-clock rules and busy time into bookable slots.

Pure: plain data in, plain data out; no ORM, no clock, no settings. Rules are wall-clock times in
the expert's zone, expanded to UTC instants date by date, so daylight-saving days come out right:
slots step through real time, a local time that does not exist (spring forward) yields no slot,
and one that happens twice (fall back) yields two slots at two different instants.

Weekdays use the brief's numbering: 0 = Sunday … 6 = Saturday.
"""
from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple, cast
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


class Slot(NamedTuple):
    """A NamedTuple rather than a frozen dataclass: a day's endpoint builds dozens per request, and a
    frozen dataclass costs several times as much to create."""

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
    """Busy intervals (each already including its booking's buffer) for fast overlap tests.

    Held as POSIX seconds (floats from datetime.timestamp(), or whole seconds straight from the
    database): comparing numbers is several times cheaper than comparing aware datetimes, and
    timestamp() keeps the order of distinct microsecond instants, so every comparison answers as
    the datetimes would.
    """

    def __init__(self, busy: list[Interval]) -> None:
        self._set([(interval.start.timestamp(), interval.end.timestamp()) for interval in busy])

    @classmethod
    def from_seconds(cls, pairs: list[tuple[float, float]] | list[tuple[int, int]]) -> BusyIndex:
        """From (start, end) POSIX seconds, in any order (sorted in place)."""
        index = cls.__new__(cls)
        index._set(pairs)
        return index

    def _set(self, pairs: list[tuple[float, float]] | list[tuple[int, int]]) -> None:
        pairs.sort()
        self._starts = [start for start, _ in pairs]
        # Running maximum of ends lets one bisect answer "does anything before here reach past t?".
        self._max_end: list[float] = []
        running = float("-inf")
        for _, end in pairs:
            if end > running:
                running = end
            self._max_end.append(running)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.overlaps_seconds(start.timestamp(), end.timestamp())

    def overlaps_seconds(self, start: float, end: float) -> bool:
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


class Position(NamedTuple):
    """Where a slot is, from the rules alone: the part of a Slot that does not depend on the clock or
    on busy time, so it can be worked out once per expert, day and length and kept."""

    local_date: date
    local_time: time
    starts_at: datetime
    ends_at: datetime
    start_seconds: float  # starts_at as POSIX seconds


class Clock(NamedTuple):
    """The bounds a slot's start is checked against, as POSIX seconds, and the reach of its session
    plus buffer: worked out once per request."""

    now: float
    notice_until: float
    horizon_end: float
    reach: int


def clock_at(now: datetime, *, notice_minutes: int, horizon_days: int, reach_minutes: int) -> Clock:
    """The clock for a request at `now`: starts before now plus the notice or after now plus the
    horizon cannot be booked, and a session with its buffer reaches reach_minutes past its start."""
    now_seconds = now.timestamp()
    return Clock(now_seconds, now_seconds + notice_minutes * 60, now_seconds + horizon_days * 86400, reach_minutes * 60)


def clock_for(rules: Rules, now: datetime, duration_minutes: int) -> Clock:
    return clock_at(now, notice_minutes=rules.notice_minutes, horizon_days=rules.horizon_days,
                    reach_minutes=duration_minutes + rules.buffer_minutes)


def slot_reason(start: float, clock: Clock, busy: BusyIndex) -> str | None:
    """Why a slot starting at `start` (POSIX seconds) cannot be booked, or None when it can: the one
    statement of the checks and their order."""
    if start <= clock.now:
        return PAST
    if start < clock.notice_until:
        return NOTICE
    if start > clock.horizon_end:
        return HORIZON
    if busy.overlaps_seconds(start, start + clock.reach):
        return BOOKED
    return None


def day_positions(rules: Rules, day: date, duration_minutes: int) -> list[Position]:
    """Where the slots of the expert's local date are, in order: each whole session fits in working
    time, and each start is on the local grid."""
    zone = rules.zone
    step = timedelta(minutes=rules.slot_interval_minutes)
    length = timedelta(minutes=duration_minutes)
    interval_minutes = rules.slot_interval_minutes
    positions = []
    for interval in working_intervals(rules, day):
        start = _first_grid_instant(interval.start, zone, interval_minutes)
        # Within one offset the local time is the UTC time plus that offset: cheaper than astimezone.
        offset = cast(timedelta, interval.start.astimezone(zone).utcoffset())  # aware in a ZoneInfo: never None
        offset_is_constant = offset == (interval.end - timedelta(microseconds=1)).astimezone(zone).utcoffset()
        while start + length <= interval.end:
            local = (start + offset).replace(tzinfo=None) if offset_is_constant else \
                start.astimezone(zone).replace(tzinfo=None)
            # After an odd-sized offset change the UTC step can leave the local grid: skip those.
            if (local.hour * 60 + local.minute) % interval_minutes == 0:
                positions.append(Position(local.date(), local.time(), start, start + length, start.timestamp()))
            start += step
    return positions


def positions_between(rules: Rules, start: datetime, end: datetime, duration_minutes: int) -> list[Position]:
    """Positions of slots starting in the UTC window [start, end), across the expert days it touches."""
    return [position for day in expert_dates_covering(rules, start, end)
            for position in day_positions(rules, day, duration_minutes) if start <= position.starts_at < end]


def slots_at(positions: Sequence[Position], clock: Clock, busy: BusyIndex) -> list[Slot]:
    slots = []
    for position in positions:
        reason = slot_reason(position.start_seconds, clock, busy)
        slots.append(Slot(position.local_date, position.local_time, position.starts_at, position.ends_at,
                          reason is None, reason))
    return slots


def day_slots(rules: Rules, busy: BusyIndex, now: datetime, day: date, duration_minutes: int) -> list[Slot]:
    """Every slot of the expert's local date whose whole session fits in working time."""
    return slots_at(day_positions(rules, day, duration_minutes), clock_for(rules, now, duration_minutes), busy)


def expert_dates_covering(rules: Rules, start: datetime, end: datetime) -> list[date]:
    """The expert's local dates that overlap the UTC window [start, end)."""
    zone = rules.zone
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def slots_between(rules: Rules, busy: BusyIndex, now: datetime, start: datetime, end: datetime,
                  duration_minutes: int) -> list[Slot]:
    """Slots starting in the UTC window [start, end), across however many expert days it touches."""
    return slots_at(positions_between(rules, start, end, duration_minutes), clock_for(rules, now, duration_minutes),
                    busy)


def day_window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight at the start and end of `day` in `zone`."""
    return (local_to_utc(day, time(0), zone), local_to_utc(day + timedelta(days=1), time(0), zone))


# --- a month of available dates ----------------------------------------------------------------------
# Worked out in two parts: a plan from the rules alone (each viewer date's window, and in it each
# working interval as its first grid instant and its end, in POSIX seconds), which can be kept; and a
# pass over the plan against the clock and the busy time, which jumps over busy time.

class IntervalPlan(NamedTuple):
    grid: int   # the interval's first grid instant
    end: int    # the interval's end


class ExpertDayPlan(NamedTuple):
    day: date                                # the expert's date
    intervals: tuple[IntervalPlan, ...]
    walk: bool                               # an interval spans an offset change: walk this day's slots


class DatePlan(NamedTuple):
    day: date                                # the viewer's date
    window_start: datetime
    window_end: datetime
    expert_days: tuple[ExpertDayPlan, ...]


def month_plan(rules: Rules, first_day: date, last_day: date, viewer_zone: ZoneInfo) -> list[DatePlan]:
    """The rules' part of available_dates for the viewer's dates first_day to last_day."""
    zone = rules.zone
    plan = []
    expert_days: dict[date, ExpertDayPlan] = {}
    day = first_day
    while day <= last_day:
        window_start, window_end = day_window(day, viewer_zone)
        parts = []
        for expert_day in expert_dates_covering(rules, window_start, window_end):
            if expert_day not in expert_days:
                intervals, walk = [], False
                for interval in working_intervals(rules, expert_day):
                    offset = interval.start.astimezone(zone).utcoffset()
                    if offset != (interval.end - timedelta(microseconds=1)).astimezone(zone).utcoffset():
                        walk = True
                        continue
                    grid = _first_grid_instant(interval.start, zone, rules.slot_interval_minutes)
                    intervals.append(IntervalPlan(int(grid.timestamp()), math.floor(interval.end.timestamp())))
                expert_days[expert_day] = ExpertDayPlan(expert_day, tuple(intervals), walk)
            parts.append(expert_days[expert_day])
        plan.append(DatePlan(day, window_start, window_end, tuple(parts)))
        day += timedelta(days=1)
    return plan


def _free_start_in(interval: IntervalPlan, step: int, length: int, reach: int, lowest: int, highest: int,
                   busy: BusyIndex) -> bool:
    """Whether a working interval holds an available slot starting in [lowest, highest], found by
    jumping over busy time rather than testing slot by slot.

    Each busy interval that blocks a start s blocks every start up to the latest end among the
    intervals starting before s + length + buffer, so the next candidate is the first grid instant
    at or after that end. All in whole POSIX seconds: grid instants are whole minutes.
    """
    grid = interval.grid
    highest = min(highest, interval.end - length)
    start = grid if lowest <= grid else grid + step * -((grid - lowest) // step)
    starts, max_end = busy._starts, busy._max_end
    while start <= highest:
        index = bisect.bisect_left(starts, start + reach)
        if index == 0 or max_end[index - 1] <= start:
            return True
        blocked_until = math.ceil(max_end[index - 1])
        start = grid if blocked_until <= grid else grid + step * -((grid - blocked_until) // step)
    return False


def available_dates_in(plan: list[DatePlan], rules: Rules, busy: BusyIndex, now: datetime,
                       duration_minutes: int) -> list[date]:
    """The dates of a month_plan that have at least one available slot.

    Each date stops at its first available slot, and dates wholly in the past or past the horizon
    are not looked at. "After now" is "at or after the second after now's", and the window and
    horizon bounds round the same way, since grid instants are whole seconds.
    """
    clock = clock_for(rules, now, duration_minutes)
    step, length = rules.slot_interval_minutes * 60, duration_minutes * 60
    lowest_now = max(math.ceil(clock.notice_until), math.floor(clock.now) + 1)
    highest_now = math.floor(clock.horizon_end)
    earliest, latest = now, now + timedelta(days=rules.horizon_days)
    found = []
    for date_plan in plan:
        window_start, window_end = date_plan.window_start, date_plan.window_end
        if not (window_end > earliest and window_start <= latest):
            continue
        lowest = max(lowest_now, math.ceil(window_start.timestamp()))
        highest = min(highest_now, math.ceil(window_end.timestamp()) - 1)
        for expert_day in date_plan.expert_days:
            if any(_free_start_in(interval, step, length, clock.reach, lowest, highest, busy)
                   for interval in expert_day.intervals):
                found.append(date_plan.day)
                break
            if expert_day.walk and any(
                    slot_reason(position.start_seconds, clock, busy) is None
                    for position in day_positions(rules, expert_day.day, duration_minutes)
                    if window_start <= position.starts_at < window_end):
                found.append(date_plan.day)
                break
    return found


def available_dates(rules: Rules, busy: BusyIndex, now: datetime, first_day: date, last_day: date,
                    duration_minutes: int, viewer_zone: ZoneInfo) -> list[date]:
    """Dates (in the viewer's zone) from first_day to last_day that have at least one available slot."""
    return available_dates_in(month_plan(rules, first_day, last_day, viewer_zone), rules, busy, now, duration_minutes)


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
