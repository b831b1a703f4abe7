"""The pure slot engine: grid, hours, breaks, overrides, busy time, notice, horizon and DST."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from serene.availability import engine
from serene.availability.engine import BusyIndex, Interval, Rules, TimeRange

UTC = timezone.utc
WEEKDAYS_9_TO_5 = {day: (TimeRange(time(9), time(17)),) for day in (1, 2, 3, 4, 5)}
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def rules(**overrides) -> Rules:
    values = dict(time_zone="Asia/Kolkata", weekly=WEEKDAYS_9_TO_5, slot_interval_minutes=15, horizon_days=100000)
    values.update(overrides)
    return Rules(**values)


def times(slots, *, only_available=True):
    return [slot.local_time.strftime("%H:%M") for slot in slots if slot.available or not only_available]


def test_defaults_give_15_minute_slots_from_nine_whose_session_ends_by_five():
    slots = engine.day_slots(rules(), BusyIndex([]), LONG_AGO, date(2026, 1, 15), 60)
    assert times(slots)[:3] == ["09:00", "09:15", "09:30"]
    assert times(slots)[-1] == "16:00"
    assert len(slots) == 29
    assert slots[0].starts_at == datetime(2026, 1, 15, 3, 30, tzinfo=UTC)  # 09:00 IST is 03:30 UTC


def test_weekends_are_off_by_default():
    assert engine.day_slots(rules(), BusyIndex([]), LONG_AGO, date(2026, 1, 17), 30) == []  # a Saturday


def test_several_ranges_and_a_break():
    weekly = {4: (TimeRange(time(9), time(12)), TimeRange(time(14), time(16)))}
    breaks = (engine.Break(time(10), time(10, 30), frozenset({4})),)
    slots = engine.day_slots(rules(weekly=weekly, breaks=breaks, slot_interval_minutes=30), BusyIndex([]), LONG_AGO,
                             date(2026, 1, 15), 30)
    assert times(slots) == ["09:00", "09:30", "10:30", "11:00", "11:30", "14:00", "14:30", "15:00", "15:30"]


def test_date_override_replaces_or_removes_the_day():
    day = date(2026, 1, 15)
    other_hours = engine.day_slots(rules(overrides={day: (TimeRange(time(18), time(19)),)}, slot_interval_minutes=30),
                                   BusyIndex([]), LONG_AGO, day, 30)
    assert times(other_hours) == ["18:00", "18:30"]
    assert engine.day_slots(rules(overrides={day: ()}), BusyIndex([]), LONG_AGO, day, 30) == []


def test_booked_slot_and_buffers_on_both_sides():
    # A booking 10:00–11:00 IST with a 15-minute buffer blocks 10:00–11:15; a new 30-minute session
    # also needs its own 15 minutes after it.
    booked = Interval(datetime(2026, 1, 15, 4, 30, tzinfo=UTC), datetime(2026, 1, 15, 5, 45, tzinfo=UTC))
    slots = engine.day_slots(rules(buffer_minutes=15), BusyIndex([booked]), LONG_AGO, date(2026, 1, 15), 30)
    status = {slot.local_time.strftime("%H:%M"): slot.reason for slot in slots}
    assert status["09:15"] is None          # 09:15–09:45, buffer to 10:00: touches, does not overlap
    assert status["09:30"] == "booked"      # its buffer would run into the booking
    assert status["10:30"] == "booked"      # inside the booking
    assert status["11:00"] == "booked"      # inside the booking's buffer
    assert status["11:15"] is None


def test_past_notice_and_horizon_reasons():
    now = datetime(2026, 1, 15, 6, 0, tzinfo=UTC)  # 11:30 IST
    slots = engine.day_slots(rules(notice_minutes=120), BusyIndex([]), now, date(2026, 1, 15), 30)
    status = {slot.local_time.strftime("%H:%M"): slot.reason for slot in slots}
    assert status["11:30"] == "past" and status["11:45"] == "notice" and status["13:15"] == "notice"
    assert status["13:30"] is None
    far = engine.day_slots(rules(horizon_days=10), BusyIndex([]), now, date(2026, 1, 27), 30)
    assert {slot.reason for slot in far} == {"horizon"}


def test_spring_forward_in_new_york_has_no_two_oclock_slots_and_no_duplicates():
    day = date(2026, 3, 8)  # US clocks go 02:00 → 03:00
    night = rules(time_zone="America/New_York", weekly={0: (TimeRange(time(0), time(5)),)}, slot_interval_minutes=30)
    slots = engine.day_slots(night, BusyIndex([]), LONG_AGO, day, 30)
    assert times(slots) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]
    assert len({slot.starts_at for slot in slots}) == len(slots)
    assert all(b.starts_at - a.starts_at == timedelta(minutes=30) for a, b in zip(slots, slots[1:]))
    assert slots[3].starts_at == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)   # 01:30 EST
    assert slots[4].starts_at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)    # 03:00 EDT


def test_fall_back_in_new_york_has_the_repeated_hour_twice_at_different_instants():
    day = date(2026, 11, 1)  # US clocks go 02:00 → 01:00
    night = rules(time_zone="America/New_York", weekly={0: (TimeRange(time(0), time(3)),)}, slot_interval_minutes=30)
    slots = engine.day_slots(night, BusyIndex([]), LONG_AGO, day, 30)
    assert times(slots) == ["00:00", "00:30", "01:00", "01:30", "01:00", "01:30", "02:00", "02:30"]
    assert len({slot.starts_at for slot in slots}) == len(slots) == 8  # four real hours
    assert slots[2].starts_at == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)   # 01:00 EDT
    assert slots[4].starts_at == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)   # 01:00 EST


def test_london_change_days_keep_daytime_hours_at_their_wall_clock_times():
    for day, offset_before, offset_after in ((date(2026, 3, 29), 0, 1), (date(2026, 10, 25), 1, 0)):
        sunday = rules(time_zone="Europe/London", weekly={0: (TimeRange(time(0), time(4)), TimeRange(time(9), time(10)))},
                       slot_interval_minutes=60)
        slots = engine.day_slots(sunday, BusyIndex([]), LONG_AGO, day, 60)
        nine = [slot for slot in slots if slot.local_time == time(9)]
        assert len(nine) == 1
        assert nine[0].starts_at == datetime(day.year, day.month, day.day, 9 - offset_after, tzinfo=UTC)
        midnight = slots[0]
        assert midnight.local_time == time(0)
        assert midnight.starts_at == datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=offset_before)
        night = [slot for slot in slots if slot.local_time < time(5)]
        # Spring: 00:00–04:00 holds three real hours; autumn: five (01:00 happens twice).
        assert len(night) == (3 if offset_after else 5)
        assert len({slot.starts_at for slot in night}) == len(night)


def test_half_hour_zone_puts_slots_on_its_own_grid():
    slots = engine.day_slots(rules(slot_interval_minutes=60), BusyIndex([]), LONG_AGO, date(2026, 1, 15), 60)
    assert [slot.starts_at.strftime("%H:%M") for slot in slots][:2] == ["03:30", "04:30"]  # UTC
    assert times(slots)[:2] == ["09:00", "10:00"]


def test_viewer_in_another_zone_sees_the_slot_on_their_own_date():
    # Expert in Kolkata works 09:00–10:00 on Thursday 15 Jan; in New York that is Wednesday 14 Jan evening.
    expert_rules = rules(weekly={4: (TimeRange(time(9), time(10)),)}, slot_interval_minutes=60)
    new_york = ZoneInfo("America/New_York")
    start, end = engine.day_window(date(2026, 1, 14), new_york)
    slots = engine.slots_between(expert_rules, BusyIndex([]), LONG_AGO, start, end, 60)
    assert len(slots) == 1
    local = slots[0].starts_at.astimezone(new_york)
    assert (local.date(), local.strftime("%H:%M")) == (date(2026, 1, 14), "22:30")
    assert slots[0].local_date == date(2026, 1, 15)
    assert engine.available_dates(expert_rules, BusyIndex([]), LONG_AGO, date(2026, 1, 13), date(2026, 1, 16), 60,
                                  new_york) == [date(2026, 1, 14)]


def test_busy_index_overlap_edges():
    index = BusyIndex([Interval(datetime(2026, 1, 1, 10, tzinfo=UTC), datetime(2026, 1, 1, 11, tzinfo=UTC)),
                       Interval(datetime(2026, 1, 1, 8, tzinfo=UTC), datetime(2026, 1, 1, 12, tzinfo=UTC))])
    at = lambda hour, minute=0: datetime(2026, 1, 1, hour, minute, tzinfo=UTC)  # noqa: E731
    assert index.overlaps(at(11, 30), at(11, 45))          # covered by the long one only
    assert not index.overlaps(at(12), at(13))              # touching end is free
    assert not index.overlaps(at(7), at(8))                # touching start is free
    assert not BusyIndex([]).overlaps(at(1), at(2))


def test_next_available_slot_skips_busy_and_past_time():
    now = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)  # 08:30 IST
    busy = BusyIndex([Interval(datetime(2026, 1, 15, 3, 30, tzinfo=UTC), datetime(2026, 1, 15, 4, 30, tzinfo=UTC))])
    slot = engine.next_available_slot(rules(), busy, now, 60)
    assert slot.starts_at == datetime(2026, 1, 15, 4, 30, tzinfo=UTC)
