"""Property tests pinning the engine's rules for any schedule, busy time and moment."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serene.availability import engine
from serene.availability.engine import BusyIndex, Interval, Rules, TimeRange

UTC = timezone.utc
ZONES = ["Asia/Kolkata", "America/New_York", "Europe/London", "Asia/Dubai", "Australia/Sydney", "UTC",
         "Asia/Kathmandu", "America/Sao_Paulo"]


@st.composite
def day_ranges(draw, max_ranges=3):
    points = sorted(draw(st.sets(st.integers(min_value=0, max_value=24 * 4 - 1), min_size=0, max_size=max_ranges * 2)))
    if len(points) % 2:
        points = points[:-1]
    return tuple(TimeRange(time(a // 4, (a % 4) * 15), time(b // 4, (b % 4) * 15)) for a, b in zip(points[::2], points[1::2]))


@st.composite
def rules_strategy(draw):
    weekly = {day: draw(day_ranges()) for day in range(7)}
    breaks = tuple(engine.Break(r.start, r.end, frozenset(draw(st.sets(st.integers(0, 6), min_size=1))))
                   for r in draw(day_ranges(max_ranges=2)))
    return Rules(time_zone=draw(st.sampled_from(ZONES)), weekly=weekly, breaks=breaks,
                 slot_interval_minutes=draw(st.sampled_from([15, 30, 60])),
                 buffer_minutes=draw(st.sampled_from([0, 5, 15, 30])),
                 notice_minutes=draw(st.integers(0, 48 * 60)), horizon_days=draw(st.integers(1, 30)))


BASE = datetime(2026, 1, 1, tzinfo=UTC)
moments = st.integers(0, 365 * 24 * 4).map(lambda quarter: BASE + timedelta(minutes=15 * quarter))
busy_lists = st.lists(st.tuples(st.integers(0, 24 * 60 * 3), st.integers(15, 180)), max_size=8)
durations = st.sampled_from([30, 60, 90, 120])


def _busy(now, raw):
    return [Interval(now + timedelta(minutes=offset), now + timedelta(minutes=offset + length)) for offset, length in raw]


def _inside_working_time(rules, slot):
    day = slot.local_date
    intervals = engine.working_intervals(rules, day)
    return any(i.start <= slot.starts_at and slot.ends_at <= i.end for i in intervals)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rules_strategy(), now=moments, raw_busy=busy_lists, duration=durations, offset=st.integers(0, 3))
def test_every_slot_obeys_the_rules(rules, now, raw_busy, duration, offset):
    busy = _busy(now, raw_busy)
    zone = ZoneInfo(rules.time_zone)
    day = now.astimezone(zone).date() + timedelta(days=offset)
    slots = engine.day_slots(rules, BusyIndex(busy), now, day, duration)
    starts = [slot.starts_at for slot in slots]
    assert len(starts) == len(set(starts)), "no duplicated slot"
    assert starts == sorted(starts)
    weekday = engine.weekday_of(day)
    for slot in slots:
        local = slot.starts_at.astimezone(zone)
        assert (local.hour * 60 + local.minute) % rules.slot_interval_minutes == 0, "on the grid"
        assert slot.ends_at - slot.starts_at == timedelta(minutes=duration)
        assert _inside_working_time(rules, slot), "inside working hours"
        for pause in rules.breaks:
            if weekday in pause.weekdays:
                pause_start = engine.local_to_utc(day, pause.start, zone)
                pause_end = engine.local_to_utc(day, pause.end, zone)
                assert not (slot.starts_at < pause_end and pause_start < slot.ends_at), "outside breaks"
        if slot.available:
            assert slot.starts_at > now
            assert slot.starts_at >= now + timedelta(minutes=rules.notice_minutes), "notice holds"
            assert slot.starts_at <= now + timedelta(days=rules.horizon_days), "horizon holds"
            blocked_end = slot.ends_at + timedelta(minutes=rules.buffer_minutes)
            assert not any(b.start < blocked_end and slot.starts_at < b.end for b in busy), "no overlap with busy time"
        else:
            assert slot.reason in {engine.PAST, engine.NOTICE, engine.HORIZON, engine.BOOKED}


def dates_with_an_available_slot(rules, busy, now, first, last, duration, viewer_zone):
    """The definition of available_dates, slot by slot: each viewer's date with an available slot."""
    found = []
    day = first
    while day <= last:
        start, end = engine.day_window(day, viewer_zone)
        if any(slot.available for slot in engine.slots_between(rules, busy, now, start, end, duration)):
            found.append(day)
        day += timedelta(days=1)
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rules_strategy(), now=moments, raw_busy=busy_lists, duration=durations,
       viewer=st.sampled_from(ZONES))
def test_available_dates_are_exactly_the_dates_with_an_available_slot(rules, now, raw_busy, duration, viewer):
    busy = BusyIndex(_busy(now, raw_busy))
    viewer_zone = ZoneInfo(viewer)
    first = now.astimezone(viewer_zone).date() - timedelta(days=1)
    last = first + timedelta(days=9)
    assert engine.available_dates(rules, busy, now, first, last, duration, viewer_zone) == \
        dates_with_an_available_slot(rules, busy, now, first, last, duration, viewer_zone)
