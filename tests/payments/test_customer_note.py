"""The customer's note for the expert ("What would you like to talk about?") travels with create-order
onto the held booking, which the expert's dashboard shows; too long a note is a clean 400."""
import json

import pytest
from django.urls import reverse

from serene.bookings.models import Booking
from tests.bookings.helpers import at, next_weekday
from tests.factories import UserFactory

from .helpers import pay, same_session, storm, verify

pytestmark = pytest.mark.django_db(transaction=True)


def _order(client, starts, note=None):
    body = {"currency": "INR", "duration": 60, "startsAt": starts.isoformat(), "notes": {"expertId": "sarah"}}
    if note is not None:
        body["customerNote"] = note
    return client.post("/api/v1/payments/create-order", data=json.dumps(body), content_type="application/json")


def test_the_note_is_kept_on_the_booking_and_shown_to_the_expert(client, sandbox, sarah, quiet):
    client.force_login(UserFactory(name="Asha Verma"))
    response = _order(client, at(next_weekday(), 10), "  Trouble sleeping since I changed jobs.  ")
    assert response.status_code == 200, response.content
    assert Booking.objects.get().customer_note == "Trouble sleeping since I changed jobs."
    assert verify(client, pay(sandbox, response.json()["orderId"])).status_code == 200
    client.force_login(sarah.user)
    # Every session ahead is listed with its note (the dashboard shows only this week's, and the clock
    # may stand on a Sunday, with the session next week).
    page = client.get(reverse("desk:sessions") + "?when=later").content.decode()
    assert "Trouble sleeping since I changed jobs." in page


def test_without_a_note_the_booking_has_none(client, sandbox, sarah, quiet):
    client.force_login(UserFactory())
    assert _order(client, at(next_weekday(), 10)).status_code == 200
    assert Booking.objects.get().customer_note == ""


@pytest.mark.parametrize("note, status", [("x" * 1000, 200), ("x" * 1001, 400), (["not", "text"], 400),
                                          ("nul\x00inside", 400)])
def test_a_note_over_1000_characters_or_not_text_is_400(client, sandbox, sarah, quiet, note, status):
    client.force_login(UserFactory())
    response = _order(client, at(next_weekday(), 10), note)
    assert response.status_code == status, response.content
    if status == 400:
        assert response.json()["error"]["code"] == "invalid"
        assert not Booking.objects.exists()
    else:
        assert Booking.objects.get().customer_note == note


def test_asking_again_after_editing_the_note_keeps_the_hold_and_takes_the_new_note(client, sandbox, sarah, quiet):
    client.force_login(UserFactory())
    start = at(next_weekday(), 10)
    first = _order(client, start, "Work stress").json()
    second = _order(client, start, "Work stress, and sleep").json()
    assert (first["sessionId"], first["orderId"]) == (second["sessionId"], second["orderId"])
    assert Booking.objects.get().customer_note == "Work stress, and sleep"


def test_a_double_click_with_the_note_gets_one_hold_carrying_it(client, sandbox, sarah, quiet):
    client.force_login(UserFactory())
    start = at(next_weekday(), 10)
    twins = [same_session(client) for _ in range(5)]
    responses = storm([lambda twin=twin: _order(twin, start, "Anxiety before exams") for twin in twins])
    assert [getattr(r, "status_code", r) for r in responses] == [200] * 5
    assert len({r.json()["orderId"] for r in responses}) == 1
    assert Booking.objects.count() == 1 and Booking.objects.get().customer_note == "Anxiety before exams"
