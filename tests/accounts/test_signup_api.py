"""Signing up over JSON, as the booking wizard does inside its confirm step: the sign-up page's rules,
field by field, its per-network throttle, and a session that can pay at once."""
import json
import threading
from collections import Counter

import pytest
from django.db import connections
from django.test import Client

from serene.accounts.models import Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-calm-evening-walk"


def _signup(browser, body, token=None, address="203.0.113.5"):
    headers = {"HTTP_X_CSRFTOKEN": token} if token else {}
    return browser.post("/api/v1/auth/signup", data=json.dumps(body), content_type="application/json",
                        REMOTE_ADDR=address, **headers)


def _browser():
    browser = Client(enforce_csrf_checks=True)
    return browser, browser.get("/api/v1/auth/csrf").json()["csrfToken"]


def test_a_new_customer_signs_up_is_signed_in_and_gets_a_fresh_token():
    browser, token = _browser()
    response = _signup(browser, {"name": " Asha Verma ", "email": "Asha@Example.test", "password": PASSWORD,
                                 "timezone": "Asia/Calcutta"}, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"]["email"] == "asha@example.test" and body["user"]["name"] == "Asha Verma"
    assert body["user"]["role"] == "customer" and body["user"]["timezone"] == "Asia/Kolkata"
    user = User.objects.get(email="asha@example.test")
    assert user.role == Role.CUSTOMER and user.check_password(PASSWORD)
    assert browser.get("/api/v1/auth/me").json()["user"]["email"] == "asha@example.test"
    # The token rotated at sign-in: the old one no longer passes, the new one does.
    assert body["csrfToken"] != token
    assert browser.post("/api/v1/auth/logout", HTTP_X_CSRFTOKEN=body["csrfToken"]).status_code == 200


@pytest.mark.parametrize("body, fields", [
    ({"name": "", "email": "", "password": ""}, {"name", "email", "password"}),
    ({"name": "   ", "email": "asha@example.test", "password": PASSWORD}, {"name"}),
    ({"name": "Asha", "email": "not-an-email", "password": PASSWORD}, {"email"}),
    ({"name": "Asha", "email": "asha@example.test", "password": "short"}, {"password"}),
    ({"name": "Asha", "email": "asha@example.test", "password": "password123"}, {"password"}),
    ({"name": "Asha", "email": "asha@example.test", "password": "asha@example.test"}, {"password"}),
    ({"name": "A" * 121, "email": "asha@example.test", "password": PASSWORD}, {"name"}),
])
def test_bad_input_is_400_with_a_message_for_each_field(body, fields):
    browser, token = _browser()
    response = _signup(browser, body, token)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == fields
    assert error["field"] in fields and error["message"] == error["fields"][error["field"]][0]
    assert all(messages and all(isinstance(m, str) and m for m in messages) for messages in error["fields"].values())
    assert not User.objects.exists()
    assert browser.get("/api/v1/auth/me").status_code == 401


def test_missing_keys_or_a_body_that_is_not_json_are_400_not_500():
    browser, token = _browser()
    assert _signup(browser, {"email": "asha@example.test"}, token).status_code == 400
    response = browser.post("/api/v1/auth/signup", data="{not json", content_type="application/json",
                            HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400


def test_an_email_already_registered_is_a_400_on_the_email_field():
    UserFactory(email="asha@example.test")
    browser, token = _browser()
    response = _signup(browser, {"name": "Asha", "email": "ASHA@example.test", "password": PASSWORD}, token)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "email" and "already exists" in error["fields"]["email"][0]
    assert User.objects.count() == 1


def test_without_a_csrf_token_it_is_403_and_nobody_is_created():
    response = _signup(Client(enforce_csrf_checks=True), {"name": "Asha", "email": "asha@example.test",
                                                          "password": PASSWORD})
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
    assert not User.objects.exists()


def test_the_sign_up_pages_throttle_counts_api_sign_ups_too(settings):
    settings.SIGNUP_LIMIT_PER_ADDRESS = 2
    for number in range(2):
        assert _signup(Client(), {"name": "R", "email": f"p{number}@example.test", "password": PASSWORD}).status_code == 200
    refused = _signup(Client(), {"name": "R", "email": "more@example.test", "password": PASSWORD})
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_attempts"
    assert "Too many accounts have been created from your network" in refused.json()["error"]["message"]
    assert not User.objects.filter(email="more@example.test").exists()
    # The page shares the counter: it refuses this network as well.
    page = Client().post("/accounts/signup/", {"name": "R", "email": "page@example.test", "password": PASSWORD},
                         REMOTE_ADDR="203.0.113.5")
    assert page.status_code == 429
    assert _signup(Client(), {"name": "R", "email": "other@example.test", "password": PASSWORD},
                   address="198.51.100.7").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_storm_of_sign_ups_with_one_email_makes_one_account(settings):
    settings.SIGNUP_LIMIT_PER_ADDRESS = 100
    barrier = threading.Barrier(6)
    statuses = []

    def one(number):
        try:
            barrier.wait()
            statuses.append(_signup(Client(), {"name": "Asha", "email": "asha@example.test", "password": PASSWORD},
                                    address=f"198.51.100.{number}").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(statuses)[200] == 1 and set(statuses) <= {200, 400}, statuses
    assert User.objects.filter(email="asha@example.test").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_sign_up_paused_after_its_email_check_loses_to_a_rival_with_a_400(settings):
    """One path stops after finding the email free; a rival with the same email signs up meanwhile.
    On PostgreSQL the rival finishes first and the paused one meets the unique index (400, not 500);
    on SQLite the paused one's transaction holds the write lock, so the rival waits and then finds the
    email taken. Either way: one account, one 200, and the other answer names the email."""
    from django.db import connection

    from tests.interleave import paused_at
    settings.SIGNUP_LIMIT_PER_ADDRESS = 100
    body = {"name": "Asha", "email": "asha.paused@example.test", "password": PASSWORD}

    def sign_up(address):
        def run():
            try:
                response = _signup(Client(), body, address=address)
                return response.status_code, response.json()
            finally:
                connections.close_all()
        return run

    with paused_at("serene.accounts.services.time_zone_or_none") as pause:
        first = pause.run(sign_up("198.51.100.21"))
        rival = pause.run_rival(sign_up("198.51.100.22"))
        if connection.vendor == "postgresql":
            assert rival.result()[0] == 200  # it did not wait for the paused path
        pause.release()
    answers = [first.result(), rival.result()]
    assert sorted(status for status, _ in answers) == [200, 400], answers
    loser = next(payload for status, payload in answers if status == 400)
    assert "already exists" in " ".join(loser["error"]["fields"]["email"])
    assert User.objects.filter(email="asha.paused@example.test").count() == 1
