"""available_dates jumps over busy time instead of testing each slot: it must answer exactly as the
slot-by-slot definition does, with dense and oddly aligned busy time and around offset changes."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serene.availability import engine
from serene.availability.engine import BusyIndex, Interval, Rules, TimeRange
from tests.availability.test_engine_properties import ZONES, dates_with_an_available_slot, durations, rules_strategy

UTC = timezone.utc
# Moments near the 2026 offset changes of New York, London, Sydney and São Paulo, on any minute.
CHANGES = [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 3, 29, 1, tzinfo=UTC),
           datetime(2026, 4, 4, 16, tzinfo=UTC), datetime(2026, 10, 4, 16, tzinfo=UTC),
           datetime(2026, 10, 25, 1, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC),
           datetime(2026, 6, 15, 9, tzinfo=UTC)]
moments = st.tuples(st.sampled_from(CHANGES), st.integers(-3 * 24 * 60, 24 * 60)).map(
    lambda pair: pair[0] + timedelta(minutes=pair[1]))
# Busy all the time but for a few gaps, some barely the length of a session: whether a date has a
# slot then turns on the exact minute a gap opens and closes.
gaps = st.lists(st.tuples(st.integers(-24 * 12, 24 * 12 * 9).map(lambda n: 5 * n), st.integers(1, 40).map(lambda n: 5 * n)),
                max_size=40)


def _busy_around(now, raw_gaps):
    busy, cursor = [], now - timedelta(days=2)
    for offset, length in sorted(raw_gaps):
        gap_start = now + timedelta(minutes=offset)
        if gap_start > cursor:
            busy.append(Interval(cursor, gap_start))
        cursor = max(cursor, gap_start + timedelta(minutes=length))
    busy.append(Interval(cursor, now + timedelta(days=12)))
    return busy


@st.composite
def wide_rules(draw):
    """Long working days (so the gaps, not the hours, decide), in any zone, grid and buffer."""
    start, end = draw(st.integers(0, 40)), draw(st.integers(56, 96))
    hours = (TimeRange(time(start // 4, start % 4 * 15), time(end // 4, end % 4 * 15) if end < 96 else time(23, 59)),)
    return Rules(time_zone=draw(st.sampled_from(ZONES)), weekly={day: hours for day in range(7)},
                 slot_interval_minutes=draw(st.sampled_from([15, 30, 60])),
                 buffer_minutes=draw(st.sampled_from([0, 5, 15, 30])),
                 notice_minutes=draw(st.integers(0, 180)), horizon_days=draw(st.integers(2, 30)))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(rules=st.one_of(rules_strategy(), wide_rules()), now=moments, raw_gaps=gaps, duration=durations, viewer=st.sampled_from(ZONES))
def test_jumping_finds_the_same_dates_as_walking_every_slot(rules, now, raw_gaps, duration, viewer):
    busy = BusyIndex(_busy_around(now, raw_gaps))
    viewer_zone = ZoneInfo(viewer)
    first = now.astimezone(viewer_zone).date() - timedelta(days=1)
    last = first + timedelta(days=8)
    assert engine.available_dates(rules, busy, now, first, last, duration, viewer_zone) == \
        dates_with_an_available_slot(rules, busy, now, first, last, duration, viewer_zone)


def _dates_with_gap(gap_start: str, gap_minutes: int, duration: int = 60, buffer: int = 0) -> list[str]:
    """The 2026-06-16 gap in otherwise busy time of a UTC expert working 00:00-23:45, 15-minute grid."""
    now = datetime(2026, 6, 15, 9, tzinfo=UTC)
    rules = Rules(time_zone="UTC", weekly={day: (TimeRange(time(0), time(23, 45)),) for day in range(7)},
                  buffer_minutes=buffer, horizon_days=10)
    opens = datetime.fromisoformat(f"2026-06-16T{gap_start}+00:00")
    busy = BusyIndex([Interval(now - timedelta(days=1), opens),
                      Interval(opens + timedelta(minutes=gap_minutes), now + timedelta(days=5))])
    day = datetime(2026, 6, 16).date()
    return [found.isoformat() for found in engine.available_dates(rules, busy, now, day, day, duration, ZoneInfo("UTC"))]


def test_a_gap_on_the_grid_just_long_enough_holds_a_session():
    assert _dates_with_gap("10:00", 60) == ["2026-06-16"]
    assert _dates_with_gap("10:00", 59) == []
    assert _dates_with_gap("10:00", 75, buffer=15) == ["2026-06-16"]
    assert _dates_with_gap("10:00", 74, buffer=15) == []


def test_a_gap_that_opens_between_grid_instants_waits_for_the_next_one():
    assert _dates_with_gap("10:01", 74) == ["2026-06-16"]   # 10:15-11:15 fits
    assert _dates_with_gap("10:01", 73) == []               # 10:15-11:15 does not
    assert _dates_with_gap("10:14", 61) == ["2026-06-16"]
    assert _dates_with_gap("10:16", 73) == []
