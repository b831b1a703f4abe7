"""Bad input to the sessions API and the reschedule page, as fuzzing found it: dates and instants far
outside the calendar Serene computes with are a 400 naming the field (never an overflow deep in the
slot engine), and a malformed session id is the same 404 not_found as an unknown one, on every
/api/v1/sessions/{id} route."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from serene.api import api
from serene.bookings.models import Booking, BookingStatus
from tests.factories import UserFactory
from tests.video.conftest import make_booking

pytestmark = pytest.mark.django_db

OUT_OF_BOUNDS_INSTANTS = ["9999-12-31T10:00:00Z", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00Z",
                          "0001-01-01T00:00:00+14:00", "1999-12-31T23:00:00Z", "2101-01-01T00:00:00Z"]


@pytest.fixture
def ahead(customer, expert) -> Booking:
    """Confirmed, three days ahead: a customer may still move it."""
    return make_booking(customer=customer, expert=expert, starts_in=timedelta(days=3))


def _reschedule(client, booking, starts_at):
    return client.post(f"/api/v1/sessions/{booking.public_id}/reschedule", data=json.dumps({"startsAt": starts_at}),
                       content_type="application/json")


@pytest.mark.parametrize("starts_at", OUT_OF_BOUNDS_INSTANTS)
def test_rescheduling_to_a_time_outside_the_calendar_is_a_400_naming_startsAt(client, ahead, starts_at):
    client.force_login(ahead.customer)
    answer = _reschedule(client, ahead, starts_at)
    assert answer.status_code == 400, answer.content
    error = answer.json()["error"]
    assert error["field"] == "startsAt" and "between 2000-01-01 and 2100-12-31" in error["message"]
    moved = Booking.objects.get(pk=ahead.pk)
    assert moved.starts_at == ahead.starts_at and moved.reschedule_count == 0


@pytest.mark.parametrize(("starts_at", "words"), [
    ("2026-13-01T10:00:00Z", "ISO date-time"), ("tomorrow", "ISO date-time"), ("", "ISO date-time"),
    ("2030-01-15T10:00:00", "time zone"),  # no offset: which 10:00?
])
def test_an_unreadable_or_zoneless_start_is_a_400_naming_startsAt(client, ahead, starts_at, words):
    client.force_login(ahead.customer)
    answer = _reschedule(client, ahead, starts_at)
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["field"] == "startsAt" and words in answer.json()["error"]["message"]


def test_a_reported_session_date_outside_the_calendar_is_a_400_naming_it(client, customer):
    client.force_login(customer)
    answer = client.post("/api/v1/sessions", data=json.dumps({
        "expertId": "sarah-khan", "scheduledDate": "9999-12-31", "scheduledTime": "10:00", "duration": 60,
        "paymentId": "pay_unknown"}), content_type="application/json")
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "scheduledDate"


SESSION_ROUTES = [("get", ""), ("post", "/accept"), ("post", "/reject"), ("post", "/cancel"), ("post", "/no-show"),
                  ("post", "/reschedule"), ("post", "/review")]
MALFORMED_IDS = ["not-a-uuid", "1", "0000", "%20", "ab" * 200, "12345678-1234-1234-1234-12345678901Z"]


@pytest.mark.parametrize(("method", "suffix"), SESSION_ROUTES)
@pytest.mark.parametrize("session_id", MALFORMED_IDS)
def test_a_malformed_session_id_is_not_found_on_every_route(client, customer, method, suffix, session_id):
    client.force_login(customer)
    body = {"reason": "Unwell.", "startsAt": "2030-01-15T10:00:00Z", "rating": 5}
    answer = getattr(client, method)(f"/api/v1/sessions/{session_id}{suffix}",
                                     **({"data": json.dumps(body), "content_type": "application/json"}
                                        if method == "post" else {}))
    assert answer.status_code == 404, answer.content
    assert answer.json() == {"success": False, "error": {"code": "not_found",
                                                        "message": "There is no session with that id."}}


def test_a_malformed_id_answers_as_an_unknown_one_and_anonymous_still_hears_401_first(client, customer):
    client.force_login(customer)
    unknown = client.get("/api/v1/sessions/6f1c2a4e-8b0d-4c55-9a3e-2d7b1f0e9c11")
    malformed = client.get("/api/v1/sessions/not-a-uuid")
    assert (unknown.status_code, unknown.json()) == (malformed.status_code, malformed.json())
    client.logout()
    assert client.get("/api/v1/sessions/not-a-uuid").status_code == 401


def test_the_openapi_document_says_a_malformed_id_is_a_404():
    schema = api.get_openapi_schema()
    for method, suffix in SESSION_ROUTES:
        operation = schema["paths"][f"/api/v1/sessions/{{session_id}}{suffix}"][method]
        parameter = next(item for item in operation["parameters"] if item["name"] == "session_id")
        assert parameter["in"] == "path" and parameter["required"] is True
        assert parameter["schema"]["type"] == "string" and parameter["schema"]["format"] == "uuid"
        assert "404 not_found" in parameter["description"]
        assert "404" in {str(status) for status in operation["responses"]}


# --- the reschedule page ---------------------------------------------------------------------------

@pytest.mark.parametrize("starts_at", ["9999-12-31T10:00:00+00:00", "0001-01-01T00:00:00+00:00",
                                       "2101-01-01T00:00:00+00:00"])
def test_the_reschedule_page_refuses_a_time_outside_the_calendar_in_words(client, ahead, starts_at):
    client.force_login(ahead.customer)
    answer = client.post(f"/sessions/{ahead.public_id}/reschedule", {"starts_at": starts_at})
    assert answer.status_code == 400
    assert b"Please choose one of the times listed." in answer.content
    assert Booking.objects.get(pk=ahead.pk).starts_at == ahead.starts_at


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30", "garbage", "2101-01-01"])
def test_the_reschedule_pages_day_outside_the_calendar_shows_the_first_listed_day(client, ahead, day):
    client.force_login(ahead.customer)
    first = client.get(f"/sessions/{ahead.public_id}/reschedule")
    answer = client.get(f"/sessions/{ahead.public_id}/reschedule", {"day": day})
    assert answer.status_code == 200
    assert answer.context["shown"] == first.context["shown"]


def test_a_date_override_outside_the_calendar_is_a_400_naming_it(client, expert):
    client.force_login(expert.user)
    token = client.get("/api/v1/auth/csrf").json()["csrfToken"]
    for start in ("9999-12-31", "0001-01-01"):
        answer = client.put("/api/v1/experts/availability", data=json.dumps(
            {"dateOverrides": [{"startDate": start, "available": False}]}), content_type="application/json",
            HTTP_X_CSRFTOKEN=token)
        assert answer.status_code == 400, answer.content
        assert answer.json()["error"]["field"] == "dateOverrides.0.startDate"


def test_a_real_move_a_few_days_on_still_reaches_the_slot_engine(client, ahead):
    """The bounds reach 2100: a real move a few days on still goes through the same route."""
    client.force_login(ahead.customer)
    later = (timezone.now() + timedelta(days=4)).replace(microsecond=0)
    answer = _reschedule(client, ahead, later.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert answer.status_code in (200, 400), answer.content  # 400 slot_unavailable: the expert has no hours then
    if answer.status_code == 400:
        assert answer.json()["error"]["code"] == "slot_unavailable"


def test_another_customer_cannot_tell_a_malformed_id_from_someone_elses(client, ahead):
    client.force_login(UserFactory())
    theirs = client.get(f"/api/v1/sessions/{ahead.public_id}")
    malformed = client.get("/api/v1/sessions/not-a-uuid")
    assert theirs.status_code == malformed.status_code == 404 and theirs.json() == malformed.json()
    assert ahead.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("body", ["[null, null]", "[]", "5", '"unwell"', "null", '[{"reason": "Unwell."}]'])
@pytest.mark.parametrize("move", ["cancel", "no-show"])
def test_a_body_that_is_not_an_object_moves_nothing(client, customer, expert, body, move):
    """Schemathesis found a cancel going ahead on a body of [null, null]: ninja read it as no reason."""
    booking = make_booking(customer=customer, expert=expert,
                           starts_in=timedelta(days=3) if move == "cancel" else timedelta(minutes=-5))
    client.force_login(customer if move == "cancel" else expert.user)
    answer = client.post(f"/api/v1/sessions/{booking.public_id}/{move}", data=body, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert "must be a JSON object" in answer.json()["error"]["message"]
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_an_empty_body_or_an_object_still_cancels(client, customer, expert):
    for body in ("", "{}"):
        booking = make_booking(customer=customer, expert=expert, starts_in=timedelta(days=3 + len(body)))
        client.force_login(customer)
        answer = client.post(f"/api/v1/sessions/{booking.public_id}/cancel", data=body,
                             content_type="application/json")
        assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
