"""The brief's availability endpoints and the expert's own rules over HTTP."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from serene.accounts.models import Role
from serene.bookings.services import booking_hold
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", minimum_notice_hours=0, offered_durations=[30, 60, 90])


def test_day_slots_in_the_briefs_shape_with_booked_ones_marked(client, sarah):
    day = next_weekday()
    booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    body = client.get(f"/api/v1/experts/sarah/availability?date={day}&duration=60").json()
    assert body["success"] is True and body["date"] == day.isoformat()
    assert body["timezone"] == "Asia/Kolkata" and body["duration"] == 60
    slots = {slot["time"]: slot for slot in body["availableSlots"]}
    assert slots["09:00"]["available"] is True and slots["09:00"]["startsAt"].endswith("T03:30:00Z")
    assert slots["10:00"] == {**slots["10:00"], "available": False, "status": "booked"}
    assert slots["09:15"]["available"] is False  # 09:15–10:15 would overlap
    assert slots["11:00"]["available"] is True
    assert list(slots)[-1] == "16:00"


def test_duration_defaults_to_60(client, sarah):
    assert client.get(f"/api/v1/experts/sarah/availability?date={next_weekday()}").json()["duration"] == 60


def test_tz_adds_each_slots_time_in_the_viewers_zone(client, sarah):
    day = next_weekday()
    body = client.get(f"/api/v1/experts/sarah/availability?date={day}&duration=30&tz=America/New_York").json()
    first = body["availableSlots"][0]
    assert first["time"] == "09:00"
    assert first["localTime"] in {"22:30", "23:30"}  # EST or EDT
    assert first["localDate"] == (day - timedelta(days=1)).isoformat()
    assert body["viewerTimezone"] == "America/New_York"


def test_a_legacy_zone_name_in_tz_or_datetz_is_answered_under_its_current_name(client, sarah):
    """Chromium reports Kolkata as Asia/Calcutta and the wizard may pass that on; the API echoes Asia/Kolkata."""
    day = next_weekday()
    body = client.get(f"/api/v1/experts/sarah/availability?date={day}&duration=30"
                      f"&tz=Asia/Calcutta&dateTz=Asia/Calcutta").json()
    assert body["viewerTimezone"] == "Asia/Kolkata"
    assert body["availableSlots"][0]["localTime"] == "09:00"
    dates = client.get(f"/api/v1/experts/sarah/available-dates?month={day:%Y-%m}&tz=US/Eastern").json()
    assert dates["timezone"] == "America/New_York"


def test_date_in_the_viewers_zone_collects_slots_from_two_expert_days(client, sarah):
    day = next_weekday()
    while day.isoweekday() == 5:  # the next expert day must be a working day too (weekends are off)
        day = next_weekday(days_ahead=(day - timezone.now().date()).days + 1)
    body = client.get(f"/api/v1/experts/sarah/availability?date={day}&duration=30"
                      f"&tz=America/New_York&dateTz=America/New_York").json()
    assert {slot["localDate"] for slot in body["availableSlots"]} == {day.isoformat()}
    assert {slot["expertDate"] for slot in body["availableSlots"]} >= {(day + timedelta(days=1)).isoformat()}


def test_available_dates_accepts_both_month_forms_and_lists_only_free_days(client, sarah):
    day = next_weekday(days_ahead=10)
    sarah.minimum_notice_hours = 0
    sarah.offered_durations = [30, 60, 90, 120]
    sarah.save()
    # Fill the whole day with four two-hour holds: it must drop out of the list.
    for hour in (9, 11, 13, 15):
        booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, hour), duration_minutes=120)
    first = client.get(f"/api/v1/experts/sarah/available-dates?month={day.month}&year={day.year}&duration=30").json()
    second = client.get(f"/api/v1/experts/sarah/available-dates?month={day.year}-{day.month:02d}&duration=30").json()
    assert first["availableDates"] == second["availableDates"]
    assert day.isoformat() not in first["availableDates"]
    assert all(date_text.startswith(f"{day.year}-{day.month:02d}") for date_text in first["availableDates"])
    other_weekdays = [d for d in first["availableDates"] if d > day.isoformat()]
    for date_text in first["availableDates"]:
        from datetime import date
        assert date.fromisoformat(date_text).isoweekday() <= 5  # weekends are off by default
    assert other_weekdays or day.day > 25


@pytest.mark.parametrize(("path", "field"), [
    ("availability?date=2026-13-01", "date"), ("availability?date=15-01-2026", "date"),
    ("availability", "date"), ("availability?date=2026-02-30", "date"),
    ("availability?date=2026-01-15&duration=45", "duration"), ("availability?date=2026-01-15&duration=abc", "duration"),
    ("availability?date=2026-01-15&tz=Mars/Base", "tz"), ("available-dates?month=13&year=2026", "month"),
    ("available-dates?month=0&year=2026", "month"), ("available-dates?month=1", "year"),
    ("available-dates?month=jan&year=2026", "month"), ("available-dates?year=2026", "month"),
    ("available-dates?month=1&year=1800", "year"), ("available-dates?month=2026-01&year=2025", "year"),
])
def test_bad_input_is_a_400_naming_the_field(client, sarah, path, field):
    response = client.get(f"/api/v1/experts/sarah/{path}")
    assert response.status_code == 400, response.content
    assert response.json()["success"] is False and response.json()["error"]["field"] == field


def test_unknown_expert_is_404(client, db):
    assert client.get("/api/v1/experts/nobody/availability?date=2026-01-15").status_code == 404


def test_queries_per_availability_request_do_not_grow_with_bookings(client, sarah, django_assert_max_num_queries):
    day = next_weekday()
    for hour in (9, 11, 13, 15):
        booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, hour), duration_minutes=60)
    with django_assert_max_num_queries(3):
        client.get(f"/api/v1/experts/sarah/availability?date={day}&duration=60")
    with django_assert_max_num_queries(3):
        client.get(f"/api/v1/experts/sarah/available-dates?month={day.month}&year={day.year}")


# --- PUT/GET /api/v1/experts/availability ---------------------------------------------------------

BRIEF_BODY = {
    "workingHours": {"0": {"start": "09:00", "end": "17:00", "enabled": False},
                     "1": {"start": "10:00", "end": "18:00", "enabled": True},
                     "2": {"start": "09:00", "end": "17:00", "enabled": True},
                     "3": {"ranges": [{"start": "08:00", "end": "12:00"}, {"start": "15:00", "end": "19:00"}], "enabled": True},
                     "4": {"start": "09:00", "end": "17:00", "enabled": True},
                     "5": {"start": "09:00", "end": "13:00", "enabled": True},
                     "6": {"start": "09:00", "end": "17:00", "enabled": False}},
    "workingDays": [1, 2, 3, 4, 5],
    "breakTimes": [{"start": "12:00", "end": "13:00", "days": [1, 2, 4]}],
}


def _put(client, body):
    return client.put("/api/v1/experts/availability", data=json.dumps(body), content_type="application/json")


def test_expert_saves_the_briefs_body_and_reads_it_back(client, sarah):
    client.force_login(sarah.user)
    holiday, short_day = timezone.now().date() + timedelta(days=10), timezone.now().date() + timedelta(days=17)
    body = {**BRIEF_BODY, "timezone": "Europe/London", "slotInterval": 30, "durations": [60, 30],
            "bufferMinutes": 10, "minimumNoticeHours": 12, "bookingHorizonDays": 30,
            "dateOverrides": [{"startDate": str(holiday), "endDate": str(holiday + timedelta(days=2)), "available": False,
                               "note": "Holiday"},
                              {"startDate": str(short_day), "available": True, "ranges": [{"start": "10:00", "end": "12:00"}]}]}
    response = _put(client, body)
    assert response.status_code == 200, response.content
    expert = response.json()["expert"]
    assert expert["workingHours"]["1"]["start"] == "10:00" and expert["workingHours"]["0"]["enabled"] is False
    assert expert["workingHours"]["3"]["ranges"] == [{"start": "08:00", "end": "12:00"}, {"start": "15:00", "end": "19:00"}]
    assert expert["workingDays"] == [1, 2, 3, 4, 5]
    assert expert["breakTimes"] == [{"start": "12:00", "end": "13:00", "days": [1, 2, 4]}]
    assert (expert["timezone"], expert["slotInterval"], expert["durations"]) == ("Europe/London", 30, [30, 60])
    assert (expert["bufferMinutes"], expert["minimumNoticeHours"], expert["bookingHorizonDays"]) == (10, 12, 30)
    assert [o["startDate"] for o in expert["dateOverrides"]] == [str(holiday), str(short_day)]
    assert client.get("/api/v1/experts/availability").json()["expert"] == expert


def test_an_expert_zone_sent_under_a_legacy_name_is_saved_under_its_current_name(client, sarah):
    client.force_login(sarah.user)
    response = _put(client, {**BRIEF_BODY, "timezone": "Asia/Calcutta"})
    assert response.status_code == 200, response.content
    assert response.json()["expert"]["timezone"] == "Asia/Kolkata"
    sarah.refresh_from_db()
    assert sarah.time_zone == "Asia/Kolkata"


def test_saved_rules_change_the_slots(client, sarah):
    client.force_login(sarah.user)
    _put(client, BRIEF_BODY)
    day = next_weekday()
    while day.isoweekday() != 1:  # a Monday: 10:00–18:00 with a 12–13 break
        day += timedelta(days=1)
    times = [slot["time"] for slot in client.get(f"/api/v1/experts/sarah/availability?date={day}&duration=60").json()["availableSlots"]]
    assert times[0] == "10:00" and "11:15" not in times and "13:00" in times and times[-1] == "17:00"


@pytest.mark.parametrize(("change", "field"), [
    ({"workingHours": {"1": {"start": "17:00", "end": "09:00", "enabled": True}}}, "workingHours.1.end"),
    ({"workingHours": {"1": {"start": "9am", "end": "17:00"}}}, "workingHours.1.start"),
    ({"workingHours": {"1": {"start": "24:00", "end": "17:00"}}}, "workingHours.1.start"),
    ({"workingHours": {"8": {"start": "09:00", "end": "17:00"}}}, "workingHours"),
    ({"workingHours": {"1": {"ranges": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}}}, "workingHours.1.ranges"),
    ({"workingHours": {"1": {"start": "09:00", "end": "17:00", "enabled": False}}, "workingDays": [1]}, "workingHours.1.enabled"),
    ({"workingDays": [7]}, "workingDays.0"),
    ({"breakTimes": [{"start": "13:00", "end": "12:00", "days": [1]}]}, "breakTimes.0.end"),
    ({"breakTimes": [{"start": "12:00", "end": "13:00", "days": []}]}, "breakTimes.0.days"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"slotInterval": 20}, "slotInterval"),
    ({"durations": [45]}, "durations.0"),
    ({"durations": []}, "durations"),
    ({"bufferMinutes": -5}, "bufferMinutes"),
    ({"bookingHorizonDays": 0}, "bookingHorizonDays"),
    ({"minimumNoticeHours": "soon"}, "minimumNoticeHours"),
    ({"dateOverrides": [{"startDate": "2026-02-30"}]}, "dateOverrides.0.startDate"),
    ({"dateOverrides": [{"startDate": "2030-12-26", "endDate": "2030-12-24"}]}, "dateOverrides.0.endDate"),
    ({"dateOverrides": [{"startDate": "2030-12-24", "available": True, "ranges": []}]}, "dateOverrides.0.ranges"),
])
def test_bad_availability_is_a_400_naming_the_field_and_changes_nothing(client, sarah, change, field):
    client.force_login(sarah.user)
    before = client.get("/api/v1/experts/availability").json()
    response = _put(client, change)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == field
    assert client.get("/api/v1/experts/availability").json() == before


def test_a_body_that_is_not_an_object_is_a_400(client, sarah):
    client.force_login(sarah.user)
    response = client.put("/api/v1/experts/availability", data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    response = client.put("/api/v1/experts/availability", data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_customers_get_403_and_anonymous_visitors_401(client, sarah):
    assert _put(client, BRIEF_BODY).status_code == 401
    assert client.get("/api/v1/experts/availability").status_code == 401
    client.force_login(UserFactory(role=Role.CUSTOMER))
    response = _put(client, BRIEF_BODY)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_put_needs_a_csrf_token_from_a_browser_session(sarah):
    from django.test import Client
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sarah.user)
    response = browser.put("/api/v1/experts/availability", data=json.dumps(BRIEF_BODY), content_type="application/json")
    assert response.status_code in (401, 403)


def _bookings_in_every_state(expert, day):
    """One booking an hour from 09:00, in each state (and a pending one whose hold ran out): three of
    them block time (confirmed, awaiting approval, pending with a live hold)."""
    from django.utils import timezone

    from serene.bookings.models import Booking, BookingStatus
    for hour, status, hold in [(9, BookingStatus.CONFIRMED, None), (10, BookingStatus.AWAITING_APPROVAL, None),
                               (11, BookingStatus.PENDING, 10), (12, BookingStatus.PENDING, -10),
                               (13, BookingStatus.CANCELLED, None), (14, BookingStatus.EXPIRED, None),
                               (15, BookingStatus.REJECTED, None), (16, BookingStatus.COMPLETED, None)]:
        start = at(day, hour)
        Booking.objects.create(customer=UserFactory(), expert=expert, starts_at=start, ends_at=start + timedelta(minutes=30),
                               blocked_until=start + timedelta(minutes=45), duration_minutes=30, price_minor=1, status=status,
                               hold_expires_at=timezone.now() + timedelta(minutes=hold) if hold else None)


def test_busy_intervals_select_exactly_the_blocking_bookings(sarah):
    """busy_intervals is plain SQL for speed; it must agree with the lifecycle's blocking_q."""
    from django.utils import timezone

    from serene.availability.selectors import busy_intervals
    from serene.bookings.lifecycle import blocking_q
    from serene.bookings.models import Booking
    day = next_weekday()
    _bookings_in_every_state(sarah, day)
    now = timezone.now()
    window = (at(day, 0), at(day, 23))
    raw = sorted(busy_intervals(expert_ids=[sarah.pk], start=window[0], end=window[1], now=now)[sarah.pk])
    orm = sorted((start.timestamp(), end.timestamp())
                 for start, end in Booking.objects.filter(blocking_q(now=now), expert=sarah).values_list("starts_at", "blocked_until"))
    assert raw == orm and len(raw) == 3
    assert all(type(seconds) is int for pair in raw for seconds in pair)


def test_busy_time_read_with_the_expert_is_the_blocking_bookings(sarah):
    """The one-query read of the slot endpoints selects the same bookings as busy_intervals (and so
    as blocking_q), over the UTC days around the dates asked for."""
    from django.utils import timezone

    from serene.availability.selectors import busy_intervals, expert_and_busy_for_slots
    day = next_weekday()
    _bookings_in_every_state(sarah, day)
    now = timezone.now()
    expert, read = expert_and_busy_for_slots(slug=sarah.slug, first_day=day, last_day=day, now=now)
    assert expert.pk == sarah.pk and expert.time_zone == sarah.time_zone
    assert sorted(read.pairs) == sorted(busy_intervals(expert_ids=[sarah.pk], start=read.start, end=read.end, now=now)[sarah.pk])
    assert len(read.pairs) == 3
    _, empty = expert_and_busy_for_slots(slug=sarah.slug, first_day=day + timedelta(days=7), last_day=day + timedelta(days=7),
                                         now=now)
    assert empty.pairs == []


@pytest.mark.parametrize("old_sqlite", [False, True], ids=["current", "sqlite-before-3.38"])
def test_busy_seconds_round_outwards(sarah, old_sqlite, monkeypatch):
    """Busy time read as whole seconds is never shorter than the stored one: a start rounds down, an
    end up, and whole seconds stay as they are (SQLite keeps a fraction in its text, PostgreSQL in
    its timestamp). An SQLite without unixepoch() takes strftime('%s')."""
    from django.db import connection
    from django.utils import timezone
    if old_sqlite and connection.vendor == "sqlite":  # on PostgreSQL both cases read the same
        monkeypatch.setattr(connection.Database, "sqlite_version_info", (3, 37, 2))

    from serene.availability.selectors import _epoch_seconds_sql, busy_intervals
    if connection.vendor == "sqlite":  # the pretended version is the one read
        assert ("strftime" in _epoch_seconds_sql("starts_at", round_up=False)) == old_sqlite
    from serene.bookings.models import Booking, BookingStatus
    day = next_weekday()
    odd = at(day, 9) + timedelta(microseconds=250_000)
    Booking.objects.create(customer=UserFactory(), expert=sarah, starts_at=odd, ends_at=odd + timedelta(minutes=30),
                           blocked_until=odd + timedelta(minutes=30), duration_minutes=30, price_minor=1,
                           status=BookingStatus.CONFIRMED)
    whole = at(day, 11)
    Booking.objects.create(customer=UserFactory(), expert=sarah, starts_at=whole, ends_at=whole + timedelta(minutes=30),
                           blocked_until=whole + timedelta(minutes=45), duration_minutes=30, price_minor=1,
                           status=BookingStatus.CONFIRMED)
    found = sorted(busy_intervals(expert_ids=[sarah.pk], start=at(day, 0), end=at(day, 23), now=timezone.now())[sarah.pk])
    base = int(at(day, 9).timestamp())
    assert found == [(base, base + 30 * 60 + 1), (int(whole.timestamp()), int(whole.timestamp()) + 45 * 60)]
