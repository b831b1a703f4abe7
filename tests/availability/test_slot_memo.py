"""What the slot endpoints keep per process (where a day's slots are, their JSON, a month's plan) never
changes an answer: the day endpoint's JSON is what slot_list_for_day defines, cold and warm, across
zones and offset changes; bookings and the clock are read fresh on every request; and the memo
forgets its oldest entries."""
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import caches
from django.utils import timezone

from serene.availability import api, selectors
from serene.availability.memo import BoundedMemo
from serene.availability.models import DateOverride, WeeklySchedule
from serene.bookings.models import Booking, BookingStatus
from serene.core.timezones import format_utc_offset
from serene.experts.models import Expert
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_memos():
    _forget_kept()


def _expert(slug: str, zone: str, **fields):
    expert = ExpertFactory(slug=slug, time_zone=zone, minimum_notice_hours=fields.pop("notice", 0),
                           offered_durations=[30, 60], booking_horizon_days=400, slot_interval_minutes=30, **fields)
    WeeklySchedule.objects.create(expert=expert, weekly_hours={str(day): [{"start": "00:00", "end": "23:30"}]
                                                               for day in range(7)},
                                  breaks=[{"start": "12:00", "end": "13:00", "days": list(range(7))}])
    return expert


def _book(expert, starts_at: datetime, minutes: int = 60) -> None:
    Booking.objects.create(customer=UserFactory(), expert=expert, starts_at=starts_at,
                           ends_at=starts_at + timedelta(minutes=minutes), blocked_until=starts_at + timedelta(minutes=minutes),
                           duration_minutes=minutes, price_minor=1, status=BookingStatus.CONFIRMED)


def _forget_kept():
    caches[selectors.RULES_CACHE].clear()
    selectors.MEMO.clear()
    api.DAY_FRAGMENTS.clear()


def _defined(expert, day: date, minutes: int, tz: str | None, date_tz: str | None) -> list[dict]:
    """The day's slots as slot_list_for_day works them out with nothing kept, in SlotOut's shape."""
    _forget_kept()
    expert.refresh_from_db()
    viewer = ZoneInfo(tz) if tz else None
    items = []
    for slot in selectors.slot_list_for_day(expert=expert, day=day, duration_minutes=minutes, now=timezone.now(),
                                            viewer_zone=ZoneInfo(date_tz) if date_tz else None):
        offset = datetime.combine(slot.local_date, slot.local_time) - slot.starts_at.replace(tzinfo=None)
        items.append({"time": slot.local_time.strftime("%H:%M"), "available": slot.available,
                      "status": "available" if slot.available else slot.reason, "reason": slot.reason,
                      "startsAt": slot.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "endsAt": slot.ends_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "expertDate": slot.local_date.isoformat(), "utcOffset": format_utc_offset(offset),
                      "localTime": slot.starts_at.astimezone(viewer).strftime("%H:%M") if viewer else None,
                      "localDate": slot.starts_at.astimezone(viewer).date().isoformat() if viewer else None,
                      "localEndTime": slot.ends_at.astimezone(viewer).strftime("%H:%M") if viewer else None})
    return items


def _answer(client, expert, day: date, minutes: int, tz: str | None, date_tz: str | None) -> dict:
    query = f"date={day}&duration={minutes}" + (f"&tz={tz}" if tz else "") + (f"&dateTz={date_tz}" if date_tz else "")
    response = client.get(f"/api/v1/experts/{expert.slug}/availability?{query}")
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def _day_with(zone: str, change: str) -> date:
    """A coming date (from three days ahead) in `zone` whose UTC offset goes back ("back"), forward
    ("forward") or does not change ("none") during the day: worked out from today, so the day stays
    ahead and its slots can be booked."""
    local = ZoneInfo(zone)
    day = timezone.now().date() + timedelta(days=3)
    for _ in range(400):
        starts = datetime.combine(day, datetime.min.time(), tzinfo=local).utcoffset()
        ends = datetime.combine(day, datetime.max.time(), tzinfo=local).utcoffset()
        if {"back": ends < starts, "forward": ends > starts, "none": ends == starts}[change]:
            return day
        day += timedelta(days=1)
    raise AssertionError(f"no {change} change in {zone} within 400 days")


@pytest.mark.parametrize("zone, change", [
    ("America/New_York", "back"),      # 01:00-02:00 happens twice
    ("America/New_York", "forward"),   # no 02:00-03:00
    ("Asia/Kolkata", "none"),
    ("Australia/Lord_Howe", "back"),   # a half-hour change
])
def test_the_day_answer_is_the_defined_slots_cold_and_warm(client, zone, change):
    day = _day_with(zone, change)
    expert = _expert("memo-day", zone)
    local = ZoneInfo(zone)
    _book(expert, datetime.combine(day, datetime.min.time(), tzinfo=local).replace(hour=9))
    _book(expert, datetime.combine(day, datetime.min.time(), tzinfo=local).replace(hour=15, minute=30), minutes=30)
    # At the edges of the widest viewer days: one starts before Kiritimati's day (UTC+14) and runs
    # into it, one starts inside Pago Pago's (UTC-11) and runs past its end.
    _book(expert, datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo("Pacific/Kiritimati")) - timedelta(minutes=30))
    _book(expert, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo("Pacific/Pago_Pago"))
          - timedelta(minutes=30), minutes=90)
    cases = [(None, None), ("Pacific/Kiritimati", None), (None, "Pacific/Pago_Pago"), (None, "Pacific/Kiritimati"),
             ("Asia/Kathmandu", "Asia/Kathmandu")]
    asks = [(tz, date_tz, minutes) for tz, date_tz in cases for minutes in (30, 60)]
    expected = {ask: _defined(expert, day, ask[2], ask[0], ask[1]) for ask in asks}  # each with nothing kept
    _forget_kept()
    # Then every ask in turn, cold and warm, each while what the asks before it kept is still there.
    for tz, date_tz, minutes in asks:
        cold = _answer(client, expert, day, minutes, tz, date_tz)
        warm = _answer(client, expert, day, minutes, tz, date_tz)
        assert cold == warm
        assert cold["availableSlots"] == expected[(tz, date_tz, minutes)], (tz, date_tz, minutes)
        assert {"booked", "available"} <= {slot["status"] for slot in cold["availableSlots"]}
        assert cold["viewerTimezone"] == tz and cold["timezone"] == zone and cold["duration"] == minutes
        assert api.DaySlotsOut.model_validate(cold).model_dump() == cold


def test_a_month_is_answered_for_the_zone_asked_for(client):
    """The same month asked in two zones, each while the other's answer is kept: an expert working
    Mondays 22:00-23:30 UTC is free on Mondays for a UTC viewer and on Tuesdays at UTC+14."""
    expert = _expert("memo-month", "UTC")
    monday_nights = [{"start": "22:00", "end": "23:30"}]
    WeeklySchedule.objects.filter(expert=expert).update(
        weekly_hours={str(day): monday_nights if day == 1 else [] for day in range(7)}, breaks=[])
    expert.save()
    first = (timezone.now().date().replace(day=1) + timedelta(days=40)).replace(day=1)
    url = f"/api/v1/experts/memo-month/available-dates?month={first:%Y-%m}&duration=60"

    def dates(zone: str) -> list[date]:
        return [date.fromisoformat(text) for text in client.get(f"{url}&tz={zone}").json()["availableDates"]]

    for _ in range(2):  # cold, then each asked while the other's plan is kept
        in_utc, at_kiritimati = dates("UTC"), dates("Pacific/Kiritimati")
        assert in_utc and {day.isoweekday() for day in in_utc} == {1}
        assert at_kiritimati and {day.isoweekday() for day in at_kiritimati} == {2}


def test_bookings_and_the_clock_are_read_on_every_request(client):
    expert = _expert("memo-fresh", "UTC")
    day = (timezone.now() + timedelta(days=3)).date()

    def status_at(hour: int) -> str:
        slots = _answer(client, expert, day, 60, None, None)["availableSlots"]
        return next(slot["status"] for slot in slots if slot["time"] == f"{hour:02d}:00")

    assert status_at(10) == "available"
    _book(expert, datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo("UTC")).replace(hour=10))
    assert status_at(10) == "booked"
    month = f"/api/v1/experts/memo-fresh/available-dates?month={day:%Y-%m}&duration=60"
    assert day.isoformat() in client.get(month).json()["availableDates"]
    # The notice is read from the expert row on each request, not from anything kept: changed here
    # without moving updated_at, so every kept entry's key still matches.
    Expert.objects.filter(pk=expert.pk).update(minimum_notice_hours=24 * 30)
    assert status_at(16) == "notice"
    assert day.isoformat() not in client.get(month).json()["availableDates"]


def test_a_buffer_beyond_what_was_read_with_the_expert_reads_its_own_busy_time(client):
    """The busy time read with the expert reaches as far as the longest session plus the API's
    longest buffer; a longer buffer (set in the admin) makes the endpoints read again, so a booking
    that far ahead still blocks."""
    expert = _expert("memo-buffer", "UTC", buffer_minutes=22 * 60)
    day = (timezone.now() + timedelta(days=3)).date()
    DateOverride.objects.create(expert=expert, start_date=day, end_date=day, ranges=[{"start": "22:00", "end": "23:30"}])
    # 21:00 the next day: a 60-minute session at 22:30 plus 22 hours of buffer runs into it; one at 22:00 does not.
    _book(expert, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo("UTC")).replace(hour=21))
    slots = _answer(client, expert, day, 60, None, None)["availableSlots"]
    assert [(slot["time"], slot["status"]) for slot in slots] == [("22:00", "available"), ("22:30", "booked")]
    assert slots == _defined(expert, day, 60, None, None)
    month = f"/api/v1/experts/memo-buffer/available-dates?month={day:%Y-%m}&duration=60"
    assert day.isoformat() in client.get(month).json()["availableDates"]
    DateOverride.objects.filter(expert=expert).update(ranges=[{"start": "22:30", "end": "23:30"}])
    expert.save()  # the admin's save moves updated_at on
    assert day.isoformat() not in client.get(month).json()["availableDates"]


def test_the_memo_forgets_the_least_recently_used():
    memo = BoundedMemo(max_entries=2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1       # "b" is now the oldest
    memo.put("c", 3)
    assert memo.get("b") is None and memo.get("a") == 1 and memo.get("c") == 3
    assert len(memo) == 2
