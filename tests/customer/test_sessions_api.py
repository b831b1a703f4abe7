"""The brief's sessions endpoints as its React client reads them, and each person seeing their own."""
import json

import pytest
import requests

from tests.bookings.helpers import next_weekday
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BRIEFS_FIELDS = ("id", "expert", "scheduledDate", "scheduledTime", "duration", "amount", "paymentId", "status")


@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", hourly_rate_minor=150000, minimum_notice_hours=0)


def _book(client, sandbox, settings, *, customer, hour: int) -> dict:
    """Hold, pay with the emulator's test card and verify, as the brief's client does."""
    client.force_login(customer)
    day = next_weekday()
    body = {"amount": 1500, "currency": "INR",
            "notes": {"expertId": "sarah", "sessionDate": day.isoformat(), "sessionTime": f"{hour:02d}:00"}}
    order = client.post("/api/v1/payments/create-order", data=json.dumps(body), content_type="application/json").json()
    paid = requests.post(f"{sandbox.url}/sandbox/razorpay/checkout/pay", timeout=30, json={
        "key": settings.RAZORPAY_KEY_ID, "order_id": order["orderId"], "method": "card",
        "card_number": "4111 1111 1111 1111"}).json()
    verified = client.post("/api/v1/payments/verify", data=json.dumps(paid), content_type="application/json").json()
    assert verified["status"] == "confirmed", verified
    return {"sessionId": order["sessionId"], "paymentId": paid["razorpay_payment_id"], "day": day,
            "time": f"{hour:02d}:00"}


def test_get_session_has_the_briefs_fields_at_the_top_level(client, sandbox, settings, sarah, quiet):
    customer = UserFactory()
    booked = _book(client, sandbox, settings, customer=customer, hour=10)
    body = client.get(f"/api/v1/sessions/{booked['sessionId']}").json()
    assert body["success"] is True
    assert {field: body[field] for field in BRIEFS_FIELDS} == {
        "id": booked["sessionId"], "expert": body["expert"], "scheduledDate": booked["day"].isoformat(),
        "scheduledTime": "10:00", "duration": 60, "amount": 1500, "paymentId": booked["paymentId"],
        "status": "confirmed"}
    assert {"name", "avatar", "category"} <= set(body["expert"]) and body["expert"]["name"] == "Dr. Sarah Khan"
    assert body["session"] == {key: value for key, value in body.items() if key not in ("success", "session")}


def test_post_sessions_returns_the_briefs_user_id_and_expert_id(client, sandbox, settings, sarah, quiet):
    customer = UserFactory()
    booked = _book(client, sandbox, settings, customer=customer, hour=11)
    report = {"expertId": "sarah", "scheduledDate": booked["day"].isoformat(), "scheduledTime": booked["time"],
              "duration": 60, "paymentId": booked["paymentId"]}
    response = client.post("/api/v1/sessions", data=json.dumps(report), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert (body["userId"], body["expertId"]) == (str(customer.pk), "sarah")
    assert (body["session"]["userId"], body["session"]["expertId"]) == (str(customer.pk), "sarah")


def test_an_expert_lists_the_sessions_booked_with_them(client, sandbox, settings, sarah, quiet):
    first = _book(client, sandbox, settings, customer=UserFactory(), hour=10)
    second = _book(client, sandbox, settings, customer=UserFactory(), hour=12)
    client.force_login(sarah.user)
    mine = client.get("/api/v1/sessions").json()["sessions"]
    assert [session["id"] for session in mine] == [first["sessionId"], second["sessionId"]]
    assert client.get("/api/v1/sessions?role=expert").json()["sessions"] == mine
    assert client.get("/api/v1/sessions?role=customer").json()["sessions"] == []
    assert client.get("/api/v1/sessions?when=past").json()["sessions"] == []


def test_a_customer_lists_only_their_own_and_a_stranger_none(client, sandbox, settings, sarah, quiet):
    customer = UserFactory()
    booked = _book(client, sandbox, settings, customer=customer, hour=10)
    _book(client, sandbox, settings, customer=UserFactory(), hour=12)
    client.force_login(customer)
    assert [session["id"] for session in client.get("/api/v1/sessions").json()["sessions"]] == [booked["sessionId"]]
    client.force_login(UserFactory())
    assert client.get("/api/v1/sessions").json()["sessions"] == []


@pytest.mark.parametrize("query", ["when=soon", "role=staff"])
def test_an_unknown_list_filter_is_a_400(client, query):
    client.force_login(UserFactory())
    response = client.get(f"/api/v1/sessions?{query}")
    assert response.status_code == 400 and response.json()["error"]["field"] == query.split("=")[0]


def test_a_session_id_that_is_not_a_uuid_is_not_found_as_an_unknown_one_is(client):
    client.force_login(UserFactory())
    malformed = client.get("/api/v1/sessions/not-a-uuid")
    unknown = client.get("/api/v1/sessions/7d4f0a5e-3a1e-4c55-9a43-0f5b1a7e2c11")
    assert malformed.status_code == unknown.status_code == 404 and malformed.json() == unknown.json()


