"""Reads that feed the slot engine: an expert's rules and busy time, in as few queries as possible."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from django.core.cache import caches
from django.db import connection

from serene.core.errors import Forbidden, NotFound
from serene.experts.models import OFFERED_DURATION_CHOICES, Expert

from . import engine
from .busy import BusyTimeSql, busy_time_sql
from .memo import BoundedMemo
from .models import MAX_BUFFER_MINUTES, DateOverride, RulesStamp, WeeklySchedule, default_weekly_hours

# A session is at most 120 minutes plus a buffer; reading busy time this far either side of a
# window catches every booking that could touch a slot in it.
BUSY_MARGIN = timedelta(days=1)
UTC = timezone.utc


def expert_of_user(*, user) -> Expert:
    """The signed-in user's own expert profile, or Forbidden for anyone who is not an expert."""
    expert = Expert.objects.filter(user=user).select_related("user").first()
    if expert is None:
        raise Forbidden("Only experts can see or change availability. Sign in with an expert account.")
    return expert


def parse_wall_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _ranges(raw: list[dict]) -> tuple[engine.TimeRange, ...]:
    return tuple(engine.TimeRange(parse_wall_time(item["start"]), parse_wall_time(item["end"])) for item in raw)


def schedule_of(expert: Expert) -> tuple[dict, list]:
    """(weekly_hours, breaks) as stored, or the brief's defaults when the expert has none yet."""
    # expert.schedule costs no query when the expert was loaded with select_related("schedule").
    try:
        schedule = expert.schedule
    except WeeklySchedule.DoesNotExist:
        return default_weekly_hours(), []
    return schedule.weekly_hours, schedule.breaks


def rules_build(*, expert: Expert, weekly_hours: dict, breaks: list, overrides: list[DateOverride]) -> engine.Rules:
    override_map: dict[date, tuple[engine.TimeRange, ...]] = {}
    for override in overrides:
        day = override.start_date
        while day <= override.end_date:
            override_map[day] = _ranges(override.ranges)
            day += timedelta(days=1)
    return engine.Rules(
        time_zone=expert.time_zone,
        weekly={int(weekday): _ranges(ranges) for weekday, ranges in weekly_hours.items()},
        breaks=tuple(engine.Break(parse_wall_time(item["start"]), parse_wall_time(item["end"]),
                                  frozenset(item["days"])) for item in breaks),
        overrides=override_map,
        slot_interval_minutes=expert.slot_interval_minutes,
        buffer_minutes=expert.buffer_minutes,
        notice_minutes=expert.minimum_notice_hours * 60,
        horizon_days=expert.booking_horizon_days,
    )


# --- the cache of each expert's expanded rules ----------------------------------------------------
# An expert's weekly hours, breaks and date overrides, parsed, under a key holding two versions: the
# stamp of the rules' last change (RulesStamp, this app's) and the expert row's updated_at (the
# experts app's, which every save of the expert moves on: its time zone, slot interval...), with the
# time zone itself. Every change to the schedule or the overrides moves the stamp on in the same
# transaction (availability_update, and receivers.py for edits made anywhere else), so a reader that
# has just read the expert row and the stamp never finds rules older than them, in this process or
# any other; an entry left behind is never read again and ages out. The expert's other settings
# (buffer, notice, horizon) are never cached: they come from the expert row read on each request.
RULES_CACHE = "availability"
RULES_CACHE_SECONDS = 3600
# Cached overrides start this many days before the first of the month that was current this many days
# ago (on the request's clock): every date the current month's calendar or a day of it asks about, in
# any zone (local dates run up to a day either side of UTC's), is then covered. A window that starts
# earlier (a past month) reads the database as before.
RULES_CACHE_PAST_DAYS = 2


def rules_cache_since(now: datetime) -> date:
    """The first date whose overrides a cache entry filled at `now` holds."""
    recent = now.astimezone(UTC).date() - timedelta(days=RULES_CACHE_PAST_DAYS)
    return recent.replace(day=1) - timedelta(days=RULES_CACHE_PAST_DAYS)


@dataclass(frozen=True)
class CachedRules:
    since: date
    weekly: dict[int, tuple[engine.TimeRange, ...]]
    breaks: tuple[engine.Break, ...]
    overrides: dict[date, tuple[engine.TimeRange, ...]]


def _version(instant: datetime | str | None) -> str:
    """The rules stamp as one string whichever way it was read (ORM, or raw SQL on SQLite or PostgreSQL)."""
    if isinstance(instant, str):  # SQLite's raw text
        instant = datetime.fromisoformat(instant)
    if instant is None:
        return "none"
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return str(round(instant.timestamp() * 1_000_000))


# Where the stamp read with an expert row is kept on that instance (the slot endpoints read it in
# their one query; other readers on first need, once per instance, as they read the row once).
_STAMP = "_availability_rules_stamp"


def rules_stamp_of(expert: Expert) -> str:
    """The version of the expert's rules: when they last changed (RulesStamp), or "none" (no change
    since the stamps began)."""
    stamp = expert.__dict__.get(_STAMP)
    if stamp is None:
        stamp = _version(RulesStamp.objects.filter(expert_id=expert.pk).values_list("changed_at", flat=True).first())
        expert.__dict__[_STAMP] = stamp
    return stamp


def rules_cache_key(expert: Expert) -> str:
    return f"rules:{expert.pk}:{rules_stamp_of(expert)}:{_version(expert.updated_at)}:{expert.time_zone}"


def cached_rules(expert: Expert, *, now: datetime) -> CachedRules:
    """The expert's parsed rules from the cache, or from two queries (then cached)."""
    cache = caches[RULES_CACHE]
    key = rules_cache_key(expert)
    found = cache.get(key)
    if found is not None:
        return found
    since = rules_cache_since(now)
    weekly_hours, breaks = schedule_of(expert)
    overrides = list(DateOverride.objects.filter(expert_id=expert.pk, end_date__gte=since))
    rules = rules_build(expert=expert, weekly_hours=weekly_hours, breaks=breaks, overrides=overrides)
    found = CachedRules(since=since, weekly=rules.weekly, breaks=rules.breaks, overrides=rules.overrides)
    cache.set(key, found, RULES_CACHE_SECONDS)
    return found


def rules_for(*, expert: Expert, first_day: date, last_day: date, now: datetime) -> engine.Rules:
    """The expert's rules for [first_day, last_day]: from the cache, else the weekly schedule and the
    overrides that touch the window (two queries)."""
    cached = cached_rules(expert, now=now)
    if first_day >= cached.since:
        return engine.Rules(time_zone=expert.time_zone, weekly=cached.weekly, breaks=cached.breaks,
                            overrides=cached.overrides, slot_interval_minutes=expert.slot_interval_minutes,
                            buffer_minutes=expert.buffer_minutes, notice_minutes=expert.minimum_notice_hours * 60,
                            horizon_days=expert.booking_horizon_days)
    weekly_hours, breaks = schedule_of(expert)
    overrides = list(DateOverride.objects.filter(expert=expert, start_date__lte=last_day, end_date__gte=first_day))
    return rules_build(expert=expert, weekly_hours=weekly_hours, breaks=breaks, overrides=overrides)


def _epoch_seconds_sql(column: str, *, round_up: bool) -> str:
    """A datetime column as whole POSIX seconds, rounded down (a start) or up (an end), so busy time
    read this way is never shorter than the stored one. SQLite holds UTC text that has a fraction
    only when it is not zero ("2026-01-15 09:00:00.250000")."""
    if connection.vendor == "postgresql":
        return f"{'CEIL' if round_up else 'FLOOR'}(EXTRACT(EPOCH FROM {column}))::bigint"
    # unixepoch() (SQLite 3.38+) is a quarter cheaper than strftime('%s') over a busy month's rows.
    # sqlite3.dbapi2 is the module Django's SQLite backend uses (connection.Database); the sqlite3
    # package holds only a copy of its names, made at import, so a change to the module misses it.
    from sqlite3.dbapi2 import sqlite_version_info
    if sqlite_version_info >= (3, 38):
        seconds = f"unixepoch({column})"
    else:
        seconds = f"CAST(strftime('%%s', {column}) AS INTEGER)"
    return f"({seconds} + (instr({column}, '.') > 0))" if round_up else seconds


def busy_intervals(*, expert_ids: list[int], start: datetime, end: datetime, now: datetime,
                   excluding_booking_id: int | None = None) -> dict[int, list[tuple[int, int]]]:
    """One query: each expert's blocked time (session plus buffer) overlapping [start, end), as
    (start, end) POSIX seconds, the slot engine's BusyIndex.from_seconds form.

    Plain SQL on purpose: this runs on every availability request, and building the equivalent
    queryset cost ~1.5 ms of ORM compilation against ~0.25 ms for the query itself; turning a busy
    month's 350 rows into aware datetimes cost more than the rest of the request (bench/
    availability.py), so the database hands back whole seconds. Its condition comes from the
    lifecycle, as blocking_q's does (bookings supplies it: busy.py); a test pins that both select the
    same rows.
    """
    if not expert_ids:
        return {}
    placeholders = ", ".join(["%s"] * len(expert_ids))
    busy = busy_time_sql(now=now)
    sql = (f"SELECT expert_id, {_epoch_seconds_sql('starts_at', round_up=False)}, "
           f"{_epoch_seconds_sql('blocked_until', round_up=True)} FROM {busy.table} "
           f"WHERE expert_id IN ({placeholders}) AND starts_at < %s AND blocked_until > %s "
           f"AND {busy.condition}")
    params = [*expert_ids, end, start, *busy.params]
    if excluding_booking_id is not None:  # a booking being moved does not stand in its own way
        sql += " AND id <> %s"
        params.append(excluding_booking_id)
    found: dict[int, list[tuple[int, int]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for expert_id, starts_at, blocked_until in cursor.fetchall():
            found[expert_id].append((starts_at, blocked_until))
    return found


# The columns the slot endpoints use; any other field of the Expert they return loads on first use.
SLOT_FIELDS = ("id", "slug", "time_zone", "slot_interval_minutes", "buffer_minutes", "minimum_notice_hours",
               "booking_horizon_days", "offered_durations", "updated_at")


def _expert_from_slot_row(row) -> Expert:
    """An Expert from SLOT_FIELDS and the stamp of their rules (the row's last value)."""
    values = dict(zip(SLOT_FIELDS, row[:-1]))
    if isinstance(values["offered_durations"], str):  # JSON arrives as text from both backends
        values["offered_durations"] = json.loads(values["offered_durations"])
    if isinstance(values["updated_at"], str):
        values["updated_at"] = datetime.fromisoformat(values["updated_at"])
    if values["updated_at"] is not None and values["updated_at"].tzinfo is None:  # SQLite: naive UTC
        values["updated_at"] = values["updated_at"].replace(tzinfo=UTC)
    # from_db takes the values in the model's field order, the rest deferred.
    names = [field.attname for field in Expert._meta.concrete_fields if field.attname in values]
    expert = Expert.from_db(connection.alias, names, [values[name] for name in names])
    expert.__dict__[_STAMP] = _version(row[-1])
    return expert


def _expert_sql(extra_column: str) -> str:
    """An active expert's SLOT_FIELDS by slug (with an active user), the stamp of their rules, and one
    more column."""
    user_model = Expert._meta.get_field("user").related_model
    if isinstance(user_model, str):  # a lazy reference, resolved once the apps are loaded
        raise RuntimeError(f"Expert.user points to {user_model!r}, not a loaded model")
    expert_table, user_table = Expert._meta.db_table, user_model._meta.db_table
    columns = ", ".join(f"e.{name}" for name in SLOT_FIELDS)
    return (f"SELECT {columns}, s.changed_at, {extra_column} FROM {expert_table} e "
            f"JOIN {user_table} u ON u.id = e.user_id LEFT JOIN {RulesStamp._meta.db_table} s ON s.expert_id = e.id "
            "WHERE e.slug = %s AND e.is_active AND u.is_active")


# Every zone's local midnight lies within 14 hours of UTC's, and a session with its buffer reaches at
# most this far past its start when the expert's settings came through the API; busy time read for
# the UTC days around a window this wide covers any expert's window on those dates.
ZONE_SPREAD = timedelta(hours=15)
REACH_READ = timedelta(minutes=max(OFFERED_DURATION_CHOICES) + MAX_BUFFER_MINUTES)


@dataclass(frozen=True)
class BusyRead:
    """Busy time read before the expert's zone was known: every blocking booking overlapping
    [start, end), as (start, end) POSIX seconds."""

    start: datetime
    end: datetime
    pairs: list[tuple[int, int]]


def _busy_aggregate_sql(busy: BusyTimeSql) -> str:
    """A scalar subquery: the expert's busy rows (aliased b) in a window, as one "start,end,start,end"
    string (one value to fetch, not a row per booking; NULL when there are none). Its parameters:
    the window's end and start, then busy.params."""
    starts = _epoch_seconds_sql("b.starts_at", round_up=False)
    ends = _epoch_seconds_sql("b.blocked_until", round_up=True)
    if connection.vendor == "postgresql":
        pair, aggregate = f"({starts})::text || ',' || ({ends})::text", "string_agg"
    else:
        pair, aggregate = f"{starts} || ',' || {ends}", "group_concat"
    return (f"(SELECT {aggregate}({pair}, ',') FROM {busy.table} b WHERE b.expert_id = e.id "
            f"AND b.starts_at < %s AND b.blocked_until > %s AND {busy.condition})")


def expert_and_busy_for_slots(*, slug: str, first_day: date, last_day: date, now: datetime) -> tuple[Expert, BusyRead]:
    """An active expert's slot settings (with updated_at and the stamp of their rules, the key of
    their cache) and their busy time around the dates first_day to last_day, in one query: the
    availability endpoints' only database read once the rules are cached. Plain SQL, as busy_intervals: compiling the equivalent
    queryset cost more than the query itself."""
    start = datetime.combine(first_day, time(0), tzinfo=UTC) - ZONE_SPREAD
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC) + ZONE_SPREAD + REACH_READ
    busy = busy_time_sql(alias="b", now=now)
    with connection.cursor() as cursor:
        cursor.execute(_expert_sql(_busy_aggregate_sql(busy)), [end, start, *busy.params, slug])
        row = cursor.fetchone()
    if row is None:
        raise NotFound("There is no expert with that id.")
    numbers = [int(number) for number in row[-1].split(",")] if row[-1] else []
    return _expert_from_slot_row(row[:-1]), BusyRead(start, end, list(zip(numbers[::2], numbers[1::2])))


def busy_index_from(read: BusyRead | None, expert: Expert, start: datetime, end: datetime, now: datetime,
                    duration_minutes: int) -> engine.BusyIndex:
    """The busy time that can block a slot starting in [start, end), from what was read with the
    expert when it covers that (always, unless the expert's buffer is beyond what the API allows),
    else from its own query."""
    reach = timedelta(minutes=duration_minutes + expert.buffer_minutes)
    if read is not None and read.start <= start and end + reach <= read.end:
        return engine.BusyIndex.from_seconds(list(read.pairs))
    return busy_index(expert, start, end, now, duration_minutes)


def busy_index(expert: Expert, start: datetime, end: datetime, now: datetime, duration_minutes: int,
                excluding_booking_id: int | None = None) -> engine.BusyIndex:
    """The busy time that can block a slot starting in [start, end): what is still blocked at `start`,
    up to the end of the last slot's session and buffer."""
    reach = timedelta(minutes=duration_minutes + expert.buffer_minutes)
    busy = busy_intervals(expert_ids=[expert.pk], start=start, end=end + reach, now=now,
                          excluding_booking_id=excluding_booking_id)
    return engine.BusyIndex.from_seconds(busy.get(expert.pk, []))


# What follows from the rules alone (where a day's slots are, a month's plan), kept per process under
# a key that starts with the rules cache's key, so an entry made before a change is never used again.
MEMO = BoundedMemo(max_entries=2000)


def rules_memo_key(expert: Expert, *parts) -> tuple:
    """A key for something worked out from the expert's rules (weekly hours, breaks, overrides, time
    zone and slot interval) alone: the rules cache's key, which every change moves on, and the parts."""
    return (rules_cache_key(expert), expert.slot_interval_minutes, *parts)


def slot_clock(expert: Expert, now: datetime, duration_minutes: int) -> engine.Clock:
    """The bounds a slot is checked against now (notice, horizon, session plus buffer), from the
    expert row read on this request, never from a cache."""
    return engine.clock_at(now, notice_minutes=expert.minimum_notice_hours * 60, horizon_days=expert.booking_horizon_days,
                           reach_minutes=duration_minutes + expert.buffer_minutes)


def day_positions(*, expert: Expert, day: date, duration_minutes: int, now: datetime,
                  viewer_zone: ZoneInfo | None = None) -> tuple[engine.Rules, datetime, datetime, tuple[engine.Position, ...]]:
    """The rules, the UTC window of a day (the expert's date, or the viewer's with viewer_zone) and
    where its slots are: the part of a day's slots that the clock and busy time do not change."""
    zone = viewer_zone or ZoneInfo(expert.time_zone)
    window_start, window_end = engine.day_window(day, zone)
    expert_days = engine.expert_dates_covering(engine.Rules(time_zone=expert.time_zone, weekly={}),
                                               window_start, window_end)
    rules = rules_for(expert=expert, first_day=expert_days[0], last_day=expert_days[-1], now=now)
    key = rules_memo_key(expert, "day", day, duration_minutes, zone.key)
    positions = MEMO.get(key)
    if positions is None:
        positions = tuple(engine.positions_between(rules, window_start, window_end, duration_minutes))
        MEMO.put(key, positions)
    return rules, window_start, window_end, positions


def slot_list_for_day(*, expert: Expert, day: date, duration_minutes: int, now: datetime,
                      viewer_zone: ZoneInfo | None = None, excluding_booking_id: int | None = None) -> list[engine.Slot]:
    """Slots of one day: the expert's local date, or the viewer's date when viewer_zone is given.

    excluding_booking_id leaves one booking's own time out of the busy time (when it is moved).
    """
    rules, window_start, window_end, positions = day_positions(expert=expert, day=day, duration_minutes=duration_minutes,
                                                                now=now, viewer_zone=viewer_zone)
    busy = busy_index(expert, window_start, window_end, now, duration_minutes, excluding_booking_id)
    return engine.slots_at(positions, engine.clock_for(rules, now, duration_minutes), busy)


def available_date_list(*, expert: Expert, first_day: date, last_day: date, duration_minutes: int,
                        now: datetime, viewer_zone: ZoneInfo, busy_read: BusyRead | None = None) -> list[date]:
    window_start, _ = engine.day_window(first_day, viewer_zone)
    _, window_end = engine.day_window(last_day, viewer_zone)
    expert_days = engine.expert_dates_covering(engine.Rules(time_zone=expert.time_zone, weekly={}),
                                               window_start, window_end)
    rules = rules_for(expert=expert, first_day=expert_days[0], last_day=expert_days[-1], now=now)
    key = rules_memo_key(expert, "month", first_day, last_day, viewer_zone.key)
    plan = MEMO.get(key)
    if plan is None:
        plan = tuple(engine.month_plan(rules, first_day, last_day, viewer_zone))
        MEMO.put(key, plan)
    busy = busy_index_from(busy_read, expert, window_start, window_end, now, duration_minutes)
    return engine.available_dates_in(plan, rules, busy, now, duration_minutes)


def next_available_slots(*, experts: list[Expert], now: datetime, look_ahead_days: int = 14) -> dict[int, engine.Slot | None]:
    """Each expert's earliest free slot of their shortest session: three queries for the whole list."""
    if not experts:
        return {}
    expert_ids = [expert.pk for expert in experts]
    schedules = {row.expert_id: row for row in WeeklySchedule.objects.filter(expert_id__in=expert_ids)}
    last_day = (now + timedelta(days=look_ahead_days + 2)).date()
    overrides: dict[int, list[DateOverride]] = defaultdict(list)
    for override in DateOverride.objects.filter(expert_id__in=expert_ids, end_date__gte=(now - BUSY_MARGIN).date(),
                                                start_date__lte=last_day):
        overrides[override.expert_id].append(override)
    busy = busy_intervals(expert_ids=expert_ids, start=now - BUSY_MARGIN,
                          end=now + timedelta(days=look_ahead_days) + BUSY_MARGIN, now=now)
    found = {}
    for expert in experts:
        schedule = schedules.get(expert.pk)
        rules = rules_build(expert=expert,
                            weekly_hours=schedule.weekly_hours if schedule else default_weekly_hours(),
                            breaks=schedule.breaks if schedule else [], overrides=overrides[expert.pk])
        found[expert.pk] = engine.next_available_slot(rules, engine.BusyIndex.from_seconds(busy.get(expert.pk, [])), now,
                                                      min(expert.offered_durations), max_days=look_ahead_days)
    return found
