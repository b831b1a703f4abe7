"""Who may see and do what on the customer's side: the session page, its receipt and invite, the
cancel, reschedule and review pages, the session, reschedule and review endpoints, the dashboard
and the payment history; for the customer, the expert, another customer, another expert, staff and
an anonymous visitor. Anyone the booking is not theirs hears 404 (as for an unknown id); an
anonymous visitor is sent to log in (pages) or hears 401 (API)."""
import json
from datetime import timedelta

import pytest

from serene.bookings.models import Booking, BookingStatus
from serene.payments.models import Payment, PaymentStatus

from tests.desk.test_expert_access_matrix import ROLES, as_, booking_for, people  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _paid(booking: Booking) -> Booking:
    Payment.objects.create(booking=booking, gateway_order_id=f"order_{booking.pk}", gateway_payment_id=f"pay_{booking.pk}",
                           amount_minor=booking.price_minor, currency="INR", status=PaymentStatus.CAPTURED)
    return booking


# --- pages that show a booking -------------------------------------------------------------------

SHOWN = {
    # path (after the booking's id) → who sees it (everyone else but the anonymous visitor hears 404)
    "/sessions/{id}/": {"customer", "expert", "staff"},
    "/booking/{id}/calendar.ics": {"customer", "expert", "staff"},
    "/booking/{id}/receipt.pdf": {"customer"},
    "/sessions/{id}/cancel": {"customer"},
    "/sessions/{id}/reschedule": {"customer"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(SHOWN))
def test_pages_of_a_booking_show_it_only_to_its_people(client, people, path, role):
    booking = _paid(booking_for(people, status=BookingStatus.CONFIRMED))
    answer = as_(client, people, role).get(path.format(id=booking.public_id))
    if role == "anonymous":
        assert answer.status_code == 302 and answer["Location"].startswith(LOGIN)
    elif role in SHOWN[path]:
        assert answer.status_code == 200
    else:
        assert answer.status_code == 404
        assert b"Asha Verma" not in answer.content and b"sleep" not in answer.content


# --- pages that change a booking -------------------------------------------------------------------

def _change_cases(people):
    day = timedelta(days=3)
    return {
        "cancel": (BookingStatus.CONFIRMED, day, "/sessions/{id}/cancel", {"reason": "Unwell."}, BookingStatus.CANCELLED),
        "reschedule": (BookingStatus.CONFIRMED, day, "/sessions/{id}/reschedule", {"starts_at": "not a time"}, None),
        "review": (BookingStatus.COMPLETED, -day, "/sessions/{id}/review", {"rating": "5"}, None),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["cancel", "reschedule", "review"])
def test_the_customers_action_pages_are_the_customers_alone(client, people, action, role):
    status, starts_in, path, form, moved_to = _change_cases(people)[action]
    booking = _paid(booking_for(people, status=status, starts_in=starts_in))
    answer = as_(client, people, role).post(path.format(id=booking.public_id), form)
    booking.refresh_from_db()
    if role == "customer":
        if action == "cancel":
            assert answer.status_code == 302 and booking.status == moved_to
        elif action == "reschedule":
            assert answer.status_code == 400 and b"Please choose one of the times listed." in answer.content
        else:
            assert answer.status_code == 302 and booking.rating == 5
        return
    assert booking.status == status and booking.rating is None and booking.reschedule_count == 0
    if role == "anonymous":
        assert answer.status_code == 302 and answer["Location"].startswith(LOGIN)
    else:
        assert answer.status_code == 404


# --- API -------------------------------------------------------------------------------------------

def _api_cases():
    later = timedelta(days=3)
    return {
        # endpoint: (status, starts in, body, expected per role)
        "": (BookingStatus.CONFIRMED, later, None, {"customer": 200, "expert": 200, "other_customer": 404,
                                                    "other_expert": 404, "staff": 200, "anonymous": 401}),
        "/reschedule": (BookingStatus.CONFIRMED, later, {"startsAt": "2020-01-01T10:00:00Z"},
                        # the customer and staff reach the engine, which refuses a time in the past
                        {"customer": 400, "expert": 403, "other_customer": 404, "other_expert": 404, "staff": 400,
                         "anonymous": 401}),
        "/review": (BookingStatus.COMPLETED, -later, {"rating": 4, "review": "Kind and clear."},
                    {"customer": 200, "expert": 403, "other_customer": 404, "other_expert": 404, "staff": 403,
                     "anonymous": 401}),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ["", "/reschedule", "/review"])
def test_the_session_endpoints_answer_each_role(client, people, endpoint, role):
    status, starts_in, body, expected = _api_cases()[endpoint]
    booking = booking_for(people, status=status, starts_in=starts_in)
    url = f"/api/v1/sessions/{booking.public_id}{endpoint}"
    client = as_(client, people, role)
    answer = client.get(url) if body is None else client.post(url, data=json.dumps(body),
                                                               content_type="application/json")
    assert answer.status_code == expected[role], answer.content
    booking.refresh_from_db()
    assert booking.reschedule_count == 0
    if answer.status_code >= 400:
        assert answer.json()["success"] is False and booking.rating is None
        code = answer.json()["error"]["code"]
        assert code == {401: "not_authenticated", 403: "forbidden", 404: "not_found"}.get(answer.status_code, code)
    if endpoint == "/review" and role == "customer":
        assert booking.rating == 4


# --- lists ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/dashboard/?as=client", "/dashboard/payments/"])
def test_the_customers_lists_show_only_their_own(client, people, path, role):
    _paid(booking_for(people, status=BookingStatus.CONFIRMED))
    answer = as_(client, people, role).get(path)
    if role == "anonymous":
        assert answer.status_code == 302 and answer["Location"].startswith(LOGIN)
        return
    assert answer.status_code == 200
    page = answer.content.decode()
    assert ("₹1,500" in page) == (role == "customer"), role
