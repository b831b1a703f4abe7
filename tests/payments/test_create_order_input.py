"""create-order as the brief's client calls it, and the bad input it must refuse with a clean 4xx."""
import json
import socket
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from zoneinfo import ZoneInfo

from serene.availability.models import WeeklySchedule
from serene.bookings.models import Booking, BookingStatus
from serene.payments.models import Payment
from serene.payments.sandbox.models import SandboxOrder
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0, offered_durations=[30, 60, 90])


def _post(client, body: str | dict):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/api/v1/payments/create-order", data=data, content_type="application/json")


def _briefs_body(*, amount, day: date, wall: str, expert="sarah") -> dict:
    """Exactly what the brief's PaymentModal sends: no duration, the expert's date and time in notes."""
    return {"amount": amount, "currency": "INR", "notes": {"expertId": expert, "sessionDate": day.isoformat(),
                                                            "sessionTime": wall}}


@pytest.mark.parametrize("amount", ["Infinity", "-Infinity", "NaN", "1e400", "-1e400"])
def test_a_non_finite_amount_is_a_400_naming_amount(client, sarah, amount):
    client.force_login(UserFactory())
    body = ('{"amount": %s, "currency": "INR", "notes": {"expertId": "sarah", "sessionDate": "%s", '
            '"sessionTime": "10:00"}}' % (amount, next_weekday()))
    response = _post(client, body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == "amount"
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(("notes", "field"), [
    ({"sessionDate": "9999-12-31", "sessionTime": "10:00"}, "notes.sessionDate"),
    ({"sessionDate": "0001-01-01", "sessionTime": "10:00"}, "notes.sessionDate"),
    ({"sessionDate": "2026-02-30", "sessionTime": "10:00"}, "notes.sessionDate"),
    ({"sessionDate": "2026-01-15", "sessionTime": "25:00"}, "notes.sessionTime"),
])
def test_dates_and_times_out_of_range_are_a_400_naming_the_field(client, sarah, notes, field):
    client.force_login(UserFactory())
    response = _post(client, {"currency": "INR", "notes": {"expertId": "sarah", **notes}})
    assert response.status_code == 400 and response.json()["error"]["field"] == field


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00Z", "9999-12-31T23:00:00-14:00"])
def test_an_instant_out_of_range_is_a_400_naming_starts_at(client, sarah, starts_at):
    client.force_login(UserFactory())
    response = _post(client, {"currency": "INR", "duration": 60, "startsAt": starts_at, "notes": {"expertId": "sarah"}})
    assert response.status_code == 400 and response.json()["error"]["field"] == "startsAt"


@pytest.mark.parametrize(("amount", "minutes"), [(750, 30), (1500, 60), (2250, 90), (None, 60)])
def test_the_briefs_body_without_a_duration_books_the_length_its_amount_pays_for(client, sandbox, sarah, amount, minutes):
    client.force_login(UserFactory())
    day = next_weekday()
    response = _post(client, _briefs_body(amount=amount, day=day, wall="10:00"))
    assert response.status_code == 200, response.content
    order = response.json()
    assert (order["duration"], order["amountMinor"]) == (minutes, 150000 * minutes // 60)
    booking = Booking.objects.get(public_id=order["sessionId"])
    assert booking.starts_at == at(day, 10) and booking.duration_minutes == minutes
    assert SandboxOrder.objects.get(id=order["orderId"]).amount == booking.price_minor


def test_an_amount_no_offered_length_costs_is_refused_before_any_hold(client, sarah):
    client.force_login(UserFactory())
    response = _post(client, _briefs_body(amount=999, day=next_weekday(), wall="10:00"))
    assert response.status_code == 400 and response.json()["error"]["code"] == "amount_mismatch"
    assert Booking.objects.count() == 0


def test_without_60_on_offer_the_default_is_the_shortest(client, sandbox):
    ExpertFactory(slug="rohan", minimum_notice_hours=0, offered_durations=[90, 30])
    client.force_login(UserFactory())
    response = _post(client, _briefs_body(amount=None, day=next_weekday(), wall="10:00", expert="rohan"))
    assert response.status_code == 200 and response.json()["duration"] == 30


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_gateway_is_a_503_and_releases_the_hold(client, sarah, settings):
    settings.RAZORPAY_API_BASE = f"http://127.0.0.1:{_closed_port()}"
    settings.RAZORPAY_TIMEOUT_SECONDS = 2
    client.force_login(UserFactory())
    response = _post(client, _briefs_body(amount=1500, day=next_weekday(), wall="10:00"))
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "payment_gateway_error"
    assert Payment.objects.count() == 0
    assert not Booking.objects.filter(status=BookingStatus.PENDING, hold_expires_at__gt=timezone.now()).exists()


# --- Daylight-saving days: the expert works 00:00–04:00 on Sundays in New York -----------------------

def _next_transition(*, forward: bool) -> date:
    """The next day New York's clocks go forward (or back), at least two days from now."""
    day = timezone.now().astimezone(NEW_YORK).date() + timedelta(days=2)
    for _ in range(400):
        midnight = datetime.combine(day, time(0), tzinfo=NEW_YORK).utcoffset()
        noon = datetime.combine(day, time(12), tzinfo=NEW_YORK).utcoffset()
        if midnight != noon and (noon > midnight) == forward:
            return day
        day += timedelta(days=1)
    raise AssertionError("no transition within 400 days")


@pytest.fixture
def night_owl():
    expert = ExpertFactory(slug="night-owl", time_zone="America/New_York", minimum_notice_hours=0,
                           booking_horizon_days=400, offered_durations=[30, 60])
    WeeklySchedule.objects.create(expert=expert, weekly_hours={"0": [{"start": "00:00", "end": "04:00"}]}, breaks=[])
    return expert


def test_a_time_the_clocks_skip_is_refused_by_name_and_nothing_is_held(client, sandbox, night_owl):
    client.force_login(UserFactory())
    day = _next_transition(forward=True)
    response = _post(client, _briefs_body(amount=750, day=day, wall="02:30", expert="night-owl"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_time", "notes.sessionTime")
    assert f"02:30 on {day} in America/New_York does not exist" in error["message"]
    assert Booking.objects.count() == 0 and SandboxOrder.objects.count() == 0


def test_on_fall_back_day_the_offset_picks_the_second_0130(client, sandbox, night_owl):
    day = _next_transition(forward=False)
    slots = client.get(f"/api/v1/experts/night-owl/availability?date={day}&duration=30").json()["availableSlots"]
    twice = [slot for slot in slots if slot["time"] == "01:30"]
    assert [slot["utcOffset"] for slot in twice] == ["-04:00", "-05:00"]

    client.force_login(UserFactory())
    first = _post(client, _briefs_body(amount=750, day=day, wall="01:30", expert="night-owl")).json()
    client.force_login(UserFactory())
    second = _post(client, _briefs_body(amount=750, day=day, wall="01:30-05:00", expert="night-owl")).json()
    assert first["startsAt"] == twice[0]["startsAt"] and second["startsAt"] == twice[1]["startsAt"]
    assert first["sessionId"] != second["sessionId"]
    wrong = _post(client, _briefs_body(amount=750, day=day, wall="01:30+05:30", expert="night-owl"))
    assert wrong.status_code == 400 and "-04:00 or -05:00" in wrong.json()["error"]["message"]
