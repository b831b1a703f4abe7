"""wall_time_resolve: a wall-clock time becomes one instant, or a clear refusal, on daylight-saving days."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serene.core.timezones import WallTimeError, format_utc_offset, wall_time_resolve

NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
SPRING_FORWARD = date(2026, 3, 8)  # 02:00 EST becomes 03:00 EDT
FALL_BACK = date(2026, 11, 1)      # 02:00 EDT becomes 01:00 EST: 01:00–01:59 happens twice


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_an_ordinary_time_is_that_instant():
    assert wall_time_resolve(day=date(2026, 1, 15), wall=time(10, 0), zone=KOLKATA) == utc("2026-01-15T04:30")


@pytest.mark.parametrize("wall", [time(2, 0), time(2, 30), time(2, 59)])
def test_a_time_the_clocks_skip_is_refused_and_named(wall):
    with pytest.raises(WallTimeError) as error:
        wall_time_resolve(day=SPRING_FORWARD, wall=wall, zone=NEW_YORK)
    assert f"{wall:%H:%M} on 2026-03-08 in America/New_York does not exist" in error.value.message


def test_the_times_either_side_of_the_gap_exist():
    assert wall_time_resolve(day=SPRING_FORWARD, wall=time(1, 59), zone=NEW_YORK) == utc("2026-03-08T06:59")
    assert wall_time_resolve(day=SPRING_FORWARD, wall=time(3, 0), zone=NEW_YORK) == utc("2026-03-08T07:00")


def test_a_repeated_time_means_the_first_unless_an_offset_picks_one():
    assert wall_time_resolve(day=FALL_BACK, wall=time(1, 30), zone=NEW_YORK) == utc("2026-11-01T05:30")
    first = time.fromisoformat("01:30-04:00")
    second = time.fromisoformat("01:30-05:00")
    assert wall_time_resolve(day=FALL_BACK, wall=first, zone=NEW_YORK) == utc("2026-11-01T05:30")
    assert wall_time_resolve(day=FALL_BACK, wall=second, zone=NEW_YORK) == utc("2026-11-01T06:30")


def test_an_offset_the_zone_does_not_have_then_is_refused_with_the_ones_it_has():
    with pytest.raises(WallTimeError) as error:
        wall_time_resolve(day=FALL_BACK, wall=time.fromisoformat("01:30+05:30"), zone=NEW_YORK)
    assert "UTC-04:00 or -05:00, not +05:30" in error.value.message
    with pytest.raises(WallTimeError):
        wall_time_resolve(day=date(2026, 1, 15), wall=time.fromisoformat("10:00-05:00"), zone=KOLKATA)


def test_a_matching_offset_on_an_ordinary_day_is_accepted():
    assert wall_time_resolve(day=date(2026, 1, 15), wall=time.fromisoformat("10:00+05:30"),
                             zone=KOLKATA) == utc("2026-01-15T04:30")


def test_format_utc_offset():
    assert [format_utc_offset(timedelta(minutes=m)) for m in (330, -300, 0, -570)] == [
        "+05:30", "-05:00", "+00:00", "-09:30"]


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31)),
       st.sampled_from(["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"]))
def test_whatever_it_returns_shows_that_wall_time_in_the_zone(naive, zone_name):
    zone = ZoneInfo(zone_name)
    wall = naive.time().replace(second=0, microsecond=0)
    try:
        instant = wall_time_resolve(day=naive.date(), wall=wall, zone=zone)
    except WallTimeError:
        return
    local = instant.astimezone(zone)
    assert (local.date(), local.time()) == (naive.date(), wall)
    assert instant.tzinfo == timezone.utc
