"""The cache of each expert's expanded rules: an edit is seen at once, and the reads stay few."""
import json
from urllib.parse import quote
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serene.availability import selectors
from serene.availability.api import DAY_FRAGMENTS, AvailableDatesOut, DaySlotsOut
from serene.availability.models import DateOverride, WeeklySchedule
from tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    caches[selectors.RULES_CACHE].clear()
    selectors.MEMO.clear()
    DAY_FRAGMENTS.clear()


@pytest.fixture
def expert():
    expert = ExpertFactory(slug="cached", time_zone="UTC", minimum_notice_hours=0, offered_durations=[60],
                           booking_horizon_days=60)
    WeeklySchedule.objects.create(expert=expert, weekly_hours={str(day): [{"start": "09:00", "end": "12:00"}]
                                                               for day in range(7)})
    return expert


def _day():
    return (timezone.now() + timedelta(days=5)).date()


def _times(client) -> list[str]:
    body = client.get(f"/api/v1/experts/cached/availability?date={_day()}").json()
    return [slot["time"] for slot in body["availableSlots"]]


def _put(client, expert, body):
    client.force_login(expert.user)
    response = client.put("/api/v1/experts/availability", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    client.logout()


def test_the_second_read_comes_from_the_cache(client, expert):
    with CaptureQueriesContext(connection) as first:
        assert _times(client)[0] == "09:00"
    with CaptureQueriesContext(connection) as second:
        assert _times(client)[0] == "09:00"
    # The expert with their busy time, one query, and nothing else once the rules are cached.
    assert len(second) == 1, [query["sql"] for query in second]
    assert len(first) > len(second)
    month = f"/api/v1/experts/cached/available-dates?month={_day():%Y-%m}"
    client.get(month)
    with CaptureQueriesContext(connection) as third:
        assert client.get(month).status_code == 200
    assert len(third) == 1, [query["sql"] for query in third]


@pytest.mark.parametrize("instant", ["2027-03-01T00:10:00Z", "2027-03-04T10:00:00Z", "2027-03-31T23:50:00Z",
                                     "2028-02-29T12:00:00Z"])
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Etc/GMT+12"])
def test_this_months_calendar_and_today_are_one_query_on_any_day(client, expert, instant, zone):
    """The cache covers the whole current month in any zone, whatever the day of the month (it once
    covered only the last two days, so from the 4th every calendar read the overrides again)."""
    with time_machine.travel(instant, tick=False):
        expert.time_zone = zone
        expert.save()
        today = timezone.now().astimezone(selectors.ZoneInfo(zone)).date()
        month = f"/api/v1/experts/cached/available-dates?month={today:%Y-%m}&tz={quote(zone, safe='')}"
        day = f"/api/v1/experts/cached/availability?date={today}"
        client.get(month), client.get(day)
        for path in (month, day):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            assert response.status_code == 200, response.content
            assert len(queries) == 1, (path, [query["sql"] for query in queries])


def test_an_edit_through_the_api_is_seen_at_once(client, expert):
    assert _times(client) == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00"]
    _put(client, expert, {"workingHours": {str(day): {"start": "14:00", "end": "16:00", "enabled": True}
                                           for day in range(7)}})
    assert _times(client)[0] == "14:00"
    _put(client, expert, {"dateOverrides": [{"startDate": _day().isoformat(), "available": False}]})
    assert _times(client) == []
    _put(client, expert, {"dateOverrides": []})
    assert _times(client)[0] == "14:00"
    _put(client, expert, {"slotInterval": 60})
    assert _times(client) == ["14:00", "15:00"]
    _put(client, expert, {"breakTimes": [{"start": "14:00", "end": "15:00", "days": list(range(7))}]})
    assert _times(client) == ["15:00"]


def test_edits_made_elsewhere_are_seen_at_once(client, expert):
    assert _times(client)[0] == "09:00"
    schedule = WeeklySchedule.objects.get(expert=expert)  # as the admin saves it
    schedule.weekly_hours = {str(day): [{"start": "10:00", "end": "12:00"}] for day in range(7)}
    schedule.save()
    assert _times(client)[0] == "10:00"
    override = DateOverride.objects.create(expert=expert, start_date=_day(), end_date=_day(),
                                           ranges=[{"start": "11:00", "end": "12:00"}])
    assert _times(client) == ["11:00"]
    override.delete()
    assert _times(client)[0] == "10:00"
    schedule.delete()  # back to the defaults: weekdays 09:00-17:00
    weekday = _day().isoweekday() % 7
    assert (_times(client) or ["none"])[0] == ("09:00" if weekday in range(1, 6) else "none")
    expert.refresh_from_db()
    expert.time_zone = "Asia/Kolkata"
    expert.save()
    body = client.get(f"/api/v1/experts/cached/availability?date={_day()}").json()
    assert body["timezone"] == "Asia/Kolkata"


def test_the_answers_are_what_the_schemas_would_have_written(client, expert):
    day = client.get(f"/api/v1/experts/cached/availability?date={_day()}&tz=America/New_York").json()
    assert DaySlotsOut.model_validate(day).model_dump() == day
    plain = client.get(f"/api/v1/experts/cached/availability?date={_day()}").json()
    assert DaySlotsOut.model_validate(plain).model_dump() == plain
    assert plain["availableSlots"][0]["utcOffset"] == "+00:00"
    month = client.get(f"/api/v1/experts/cached/available-dates?month={_day():%Y-%m}").json()
    assert AvailableDatesOut.model_validate(month).model_dump() == month
    assert _day().isoformat() in month["availableDates"]


def test_an_inactive_expert_is_not_found(client, expert):
    expert.is_active = False
    expert.save()
    assert client.get(f"/api/v1/experts/cached/availability?date={_day()}").status_code == 404
