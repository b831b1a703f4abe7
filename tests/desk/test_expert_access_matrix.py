"""Who may see and do what on the expert's side: the dashboard, the action pages, the session move
endpoints and the staff operations page, for the customer, the expert, another customer, another
expert, staff and an anonymous visitor. Anyone the booking is not theirs hears 404 (as for an
unknown id); an anonymous visitor is sent to log in (pages) or hears 401 (API)."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from serene.bookings.models import Booking, BookingStatus
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("customer", "expert", "other_customer", "other_expert", "staff", "anonymous")


@pytest.fixture
def people():
    expert = ExpertFactory(requires_approval=True, user__name="Dr. Meera Rao")
    return {
        "customer": UserFactory(name="Asha Verma"),
        "expert": expert.user,
        "other_customer": UserFactory(),
        "other_expert": ExpertFactory().user,
        "staff": UserFactory(is_staff=True),
        "anonymous": None,
    }


def booking_for(people, *, status, starts_in=timedelta(days=3), note="I would like to talk about sleep."):
    starts = timezone.now().replace(microsecond=0) + starts_in
    return Booking.objects.create(customer=people["customer"], expert=people["expert"].expert, starts_at=starts,
                                  ends_at=starts + timedelta(hours=1), blocked_until=starts + timedelta(hours=1),
                                  duration_minutes=60, price_minor=150000, status=status, customer_note=note,
                                  customer_time_zone="Asia/Kolkata")


def as_(client, people, role):
    if people[role] is not None:
        client.force_login(people[role])
    return client


# --- API ---------------------------------------------------------------------------------------------

API_CASES = {
    # endpoint: (booking status, starts in, body, expected status per role, status after success)
    "accept": (BookingStatus.AWAITING_APPROVAL, timedelta(days=3), None,
               {"customer": 403, "expert": 200, "other_customer": 404, "other_expert": 404, "staff": 200,
                "anonymous": 401}, BookingStatus.CONFIRMED),
    "reject": (BookingStatus.AWAITING_APPROVAL, timedelta(days=3), {"reason": "Away that week."},
               {"customer": 403, "expert": 200, "other_customer": 404, "other_expert": 404, "staff": 200,
                "anonymous": 401}, BookingStatus.REJECTED),
    "cancel": (BookingStatus.CONFIRMED, timedelta(days=3), {"reason": "I am unwell."},
               {"customer": 200, "expert": 200, "other_customer": 404, "other_expert": 404, "staff": 200,
                "anonymous": 401}, BookingStatus.CANCELLED),
    "no-show": (BookingStatus.CONFIRMED, -timedelta(minutes=30), None,
                {"customer": 403, "expert": 200, "other_customer": 404, "other_expert": 404, "staff": 200,
                 "anonymous": 401}, BookingStatus.NO_SHOW),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(API_CASES))
def test_session_move_endpoints_answer_each_role(client, people, endpoint, role):
    status, starts_in, body, expected, moved_to = API_CASES[endpoint]
    booking = booking_for(people, status=status, starts_in=starts_in)
    answer = as_(client, people, role).post(f"/api/v1/sessions/{booking.public_id}/{endpoint}",
                                            data=json.dumps(body) if body else "", content_type="application/json")
    assert answer.status_code == expected[role], answer.content
    booking.refresh_from_db()
    if expected[role] == 200:
        assert answer.json()["status"] == moved_to == booking.status
    else:
        assert booking.status == status, "a refused call changed nothing"
        assert answer.json()["success"] is False
        assert answer.json()["error"]["code"] == {401: "not_authenticated", 403: "forbidden",
                                                  404: "not_found"}[expected[role]]


def test_an_unknown_session_is_404_like_someone_elses(client, people):
    client.force_login(people["expert"])
    answer = client.post("/api/v1/sessions/00000000-0000-4000-8000-000000000000/accept")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


# --- pages ------------------------------------------------------------------------------------------

PAGE_CASES = {
    "accept": (BookingStatus.AWAITING_APPROVAL, timedelta(days=3), {}, BookingStatus.CONFIRMED),
    "reject": (BookingStatus.AWAITING_APPROVAL, timedelta(days=3), {"reason": "Away that week."},
               BookingStatus.REJECTED),
    "cancel": (BookingStatus.CONFIRMED, timedelta(days=3), {"reason": "I am unwell."}, BookingStatus.CANCELLED),
    "no-show": (BookingStatus.CONFIRMED, -timedelta(minutes=30), {}, BookingStatus.NO_SHOW),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(PAGE_CASES))
def test_action_pages_are_the_experts_alone(client, people, action, role):
    status, starts_in, form, moved_to = PAGE_CASES[action]
    booking = booking_for(people, status=status, starts_in=starts_in)
    url = f"/expert/sessions/{booking.public_id}/{action}"
    client = as_(client, people, role)
    shown, posted = client.get(url), client.post(url, {**form, "next": "/expert/dashboard/"})
    booking.refresh_from_db()
    if role == "expert":
        assert shown.status_code == 200 and "Asha Verma" in shown.content.decode()
        assert posted.status_code == 302 and posted["Location"] == "/expert/dashboard/"
        assert booking.status == moved_to
        return
    assert booking.status == status
    if role == "anonymous":
        assert shown.status_code == posted.status_code == 302
        assert shown["Location"].startswith("/accounts/login/")
    else:  # staff act in the admin; the customer and strangers see nothing
        assert shown.status_code == posted.status_code == 404
        assert "Asha Verma" not in shown.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_expert_dashboard_is_for_experts_and_shows_only_their_own(client, people, role):
    booking_for(people, status=BookingStatus.AWAITING_APPROVAL)
    answer = as_(client, people, role).get("/expert/dashboard/")
    if role == "anonymous":
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    elif role in ("expert", "other_expert"):
        assert answer.status_code == 200
        page = answer.content.decode()
        assert ("Asha Verma" in page and "I would like to talk about sleep." in page) == (role == "expert")
    else:
        assert answer.status_code == 404


def test_an_expert_asking_for_the_customer_dashboard_is_sent_to_theirs(client, people):
    client.force_login(people["expert"])
    answer = client.get("/dashboard/")
    assert answer.status_code == 302 and answer["Location"] == "/expert/dashboard/"
    client.force_login(people["customer"])
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_the_operations_page_is_staff_only(client, people, role):
    answer = as_(client, people, role).get("/staff/operations/")
    if role == "staff":
        assert answer.status_code == 200
    elif role == "anonymous":
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    else:
        assert answer.status_code == 404
