"""core.timefmt: one way to write dates, times and zones for people, right on daylight-saving days; and
the canonical zone names the rest of Serene stores."""
import zoneinfo
from datetime import date, datetime, time, timezone

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from serene.core.timefmt import (LEGACY_TIME_ZONES, canonical_time_zone, format_clock, format_date, format_day,
                                 format_short_date, format_short_day, format_time, format_time_range, format_when,
                                 zone_city, zone_label)
from serene.core.timezones import available_time_zones, time_zone_or_none, validate_time_zone


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_the_patterns():
    instant = utc("2026-12-01T11:00")  # 4:30 pm in Kolkata
    assert format_time(instant, "Asia/Kolkata") == "4:30 pm"
    assert format_date(instant, "Asia/Kolkata") == "Tuesday 1 December 2026"
    assert format_short_date(instant, "Asia/Kolkata") == "Tue 1 Dec"
    assert format_when(instant, "Asia/Kolkata") == "Tuesday 1 December 2026, 4:30 pm"
    assert format_time_range(instant, utc("2026-12-01T12:00"), "Asia/Kolkata") == "4:30 pm – 5:30 pm"
    assert format_day(date(2026, 12, 1)) == "Tuesday 1 December 2026"
    assert format_short_day(date(2026, 12, 1)) == "Tue 1 Dec"


@pytest.mark.parametrize(("wall", "shown"), [
    (time(0, 0), "12:00 am"), (time(0, 5), "12:05 am"), (time(9, 5), "9:05 am"), (time(11, 59), "11:59 am"),
    (time(12, 0), "12:00 pm"), (time(12, 30), "12:30 pm"), (time(13, 0), "1:00 pm"), (time(23, 59), "11:59 pm"),
])
def test_the_clock_is_twelve_hour_with_midnight_and_noon_as_twelve(wall, shown):
    assert format_clock(wall) == shown


def test_midnight_belongs_to_the_day_it_starts():
    assert format_when(utc("2026-12-01T18:30"), "Asia/Kolkata") == "Wednesday 2 December 2026, 12:00 am"
    assert format_when(utc("2026-12-01T06:30"), "Asia/Kolkata") == "Tuesday 1 December 2026, 12:00 pm"


def test_new_yorks_fall_back_shows_half_past_one_twice():
    """On 1 November 2026 New York's clocks go from 2:00 EDT back to 1:00 EST: 1:30 am happens twice,
    an hour apart, and both are written the same (the zone's offset is what tells them apart)."""
    first, second = utc("2026-11-01T05:30"), utc("2026-11-01T06:30")
    assert format_time(first, "America/New_York") == format_time(second, "America/New_York") == "1:30 am"
    assert format_date(first, "America/New_York") == format_date(second, "America/New_York") == "Sunday 1 November 2026"
    assert format_time_range(first, second, "America/New_York") == "1:30 am – 1:30 am"
    assert format_time(utc("2026-11-01T07:00"), "America/New_York") == "2:00 am"


def test_new_yorks_spring_forward_skips_from_two_to_three():
    assert format_time(utc("2026-03-08T06:59"), "America/New_York") == "1:59 am"
    assert format_time(utc("2026-03-08T07:00"), "America/New_York") == "3:00 am"
    assert format_time_range(utc("2026-03-08T06:30"), utc("2026-03-08T07:30"), "America/New_York") == "1:30 am – 3:30 am"


@pytest.mark.parametrize(("zone", "city", "label"), [
    ("Asia/Kolkata", "Kolkata", "Kolkata time"),
    ("Asia/Calcutta", "Kolkata", "Kolkata time"),
    ("America/New_York", "New York", "New York time"),
    ("US/Eastern", "New York", "New York time"),
    ("America/Argentina/Buenos_Aires", "Buenos Aires", "Buenos Aires time"),
    ("America/Buenos_Aires", "Buenos Aires", "Buenos Aires time"),
    ("Europe/Kiev", "Kyiv", "Kyiv time"),
    ("UTC", "UTC", "UTC"),
    ("Etc/UTC", "UTC", "UTC"),
])
def test_a_zone_is_named_by_its_city(zone, city, label):
    assert (zone_city(zone), zone_label(zone)) == (city, label)


def test_a_legacy_alias_is_read_under_its_current_name():
    assert canonical_time_zone("Asia/Calcutta") == "Asia/Kolkata"
    assert canonical_time_zone("Asia/Kolkata") == "Asia/Kolkata"
    assert canonical_time_zone("Mars/Olympus") == "Mars/Olympus"  # unknown: left for the caller to refuse
    instant = utc("2026-12-01T11:00")
    assert format_when(instant, "Asia/Calcutta") == format_when(instant, "Asia/Kolkata")


def test_the_legacy_table_names_real_zones_and_leads_straight_to_a_current_one():
    zones = zoneinfo.available_timezones()
    assert set(LEGACY_TIME_ZONES) <= zones
    assert set(LEGACY_TIME_ZONES.values()) <= zones | {"UTC"}
    assert not set(LEGACY_TIME_ZONES.values()) & set(LEGACY_TIME_ZONES)  # no chains: one look-up is enough


def test_the_picker_offers_current_names_only():
    picker = set(available_time_zones())
    assert not picker & set(LEGACY_TIME_ZONES)
    assert {"Asia/Kolkata", "Europe/Kyiv", "America/Argentina/Buenos_Aires", "America/Nuuk", "UTC"} <= picker
    assert not [name for name in picker if name.startswith(("US/", "Canada/", "Brazil/", "Chile/", "Mexico/", "Etc/"))]
    # Every name an alias leads to can be chosen (UTC's own aliases lead to "UTC").
    assert set(LEGACY_TIME_ZONES.values()) <= picker


def test_input_zones_are_kept_under_their_current_name_or_refused():
    assert time_zone_or_none("Asia/Calcutta") == "Asia/Kolkata"
    assert time_zone_or_none("Europe/London") == "Europe/London"
    for bad in ("", "Mars/Olympus", "../etc/passwd", "x" * 65, None, 5):
        assert time_zone_or_none(bad) is None


def test_the_model_validator_refuses_an_alias_and_names_the_current_one():
    validate_time_zone("Asia/Kolkata")
    with pytest.raises(ValidationError, match="Asia/Calcutta is the old name of Asia/Kolkata"):
        validate_time_zone("Asia/Calcutta")
    with pytest.raises(ValidationError, match="not an IANA time zone"):
        validate_time_zone("Mars/Olympus")


def render(text: str, **context) -> str:
    return Template("{% load serene %}" + text).render(Context(context))


def test_template_filters_write_the_same_patterns():
    instant = utc("2026-11-01T06:30")
    assert render("{{ t|local_time:z }}|{{ t|local_date:z }}|{{ t|local_short_day:z }}|{{ t|local_when:z }}|{{ z|zone_label }}",
                  t=instant, z="America/New_York") == (
        "1:30 am|Sunday 1 November 2026|Sun 1 Nov|Sunday 1 November 2026, 1:30 am|New York time")
    assert render("{{ d|day }}|{{ d|short_day }}|{{ w|clock }}", d=date(2026, 12, 1), w=time(0, 0)) == (
        "Tuesday 1 December 2026|Tue 1 Dec|12:00 am")
    assert render("{{ t|local_time:'Asia/Calcutta' }} ({{ 'Asia/Calcutta'|zone_label }})", t=instant) == "12:00 pm (Kolkata time)"
    assert render("[{{ t|local_time:z }}]", t=None, z="Asia/Kolkata") == "[]"


def test_the_alias_table_is_on_every_page_for_the_browser(client, db):
    body = client.get("/accounts/login/").content.decode()
    assert '<script id="time-zone-aliases" type="application/json">' in body
    assert '"Asia/Calcutta": "Asia/Kolkata"' in body
    assert body.index("time-zone-aliases") < body.index("js/timefmt.js") < body.index("js/local-times.js")
