"""Signing in and out over JSON, as a single-page client does, with the page's failed-login lock."""
import json
import threading

import pytest
from django.db import connections
from django.test import Client

from serene.accounts.models import LoginFailure
from tests.factories import TEST_PASSWORD, ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db


def _login(browser, email, password, token=None, address="10.0.0.1"):
    headers = {"HTTP_X_CSRFTOKEN": token} if token else {}
    return browser.post("/api/v1/auth/login", data=json.dumps({"email": email, "password": password}),
                        content_type="application/json", REMOTE_ADDR=address, **headers)


def test_a_single_page_client_signs_in_asks_who_it_is_and_signs_out():
    user = UserFactory(email="asha@example.test", name="Asha Verma", time_zone="Europe/London")
    browser = Client(enforce_csrf_checks=True)
    assert browser.get("/api/v1/auth/me").status_code == 401
    token = browser.get("/api/v1/auth/csrf").json()["csrfToken"]
    assert browser.cookies["csrftoken"].value

    signed_in = _login(browser, "Asha@Example.test", TEST_PASSWORD, token)
    assert signed_in.status_code == 200, signed_in.content
    body = signed_in.json()
    assert body["user"] == {"id": str(user.pk), "email": "asha@example.test", "name": "Asha Verma", "shortName": "Asha",
                            "role": "customer", "timezone": "Europe/London", "expertId": None}
    token = body["csrfToken"]  # rotated at sign-in
    assert browser.get("/api/v1/auth/me").json()["user"]["email"] == "asha@example.test"

    assert browser.post("/api/v1/auth/logout").status_code == 403  # no token: not signed out
    assert browser.get("/api/v1/auth/me").status_code == 200
    assert browser.post("/api/v1/auth/logout", HTTP_X_CSRFTOKEN=token).json() == {"success": True}
    assert browser.get("/api/v1/auth/me").status_code == 401


def test_me_names_an_experts_profile():
    expert = ExpertFactory(slug="sarah")
    client = Client()
    client.force_login(expert.user)
    assert client.get("/api/v1/auth/me").json()["user"]["expertId"] == "sarah"


def test_login_without_a_csrf_token_is_403_csrf_failed():
    UserFactory(email="asha@example.test")
    response = _login(Client(enforce_csrf_checks=True), "asha@example.test", TEST_PASSWORD)
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"


def test_wrong_credentials_are_401_and_the_pages_lock_applies(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(email="asha@example.test")
    for _ in range(3):
        response = _login(client, "asha@example.test", "wrong-password")
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_credentials"
    locked = _login(client, "asha@example.test", TEST_PASSWORD)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "too_many_attempts"
    assert "_auth_user_id" not in client.session
    # The sign-in page shares the lock.
    page = client.post("/accounts/login/", {"username": "asha@example.test", "password": TEST_PASSWORD},
                       REMOTE_ADDR="10.0.0.1")
    assert "Too many failed sign-in attempts" in page.content.decode()


def test_an_email_longer_than_the_lock_key_is_counted_not_a_500(client):
    email = "a" * 240 + "@example.test"
    assert _login(client, email, "wrong-password").status_code == 401
    assert LoginFailure.objects.filter(key__startswith="account:sha256:").count() == 1


@pytest.mark.parametrize("body", ['{"email": "a@example.test"}', '{"password": "x"}', "[]", "{bad json",
                                  '{"email": "a", "password": "' + "x" * 5000 + '"}'])
def test_malformed_login_bodies_are_400(client, body):
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json()["success"] is False


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_passwords_are_each_counted_and_lock_the_account(settings):
    """Eight wrong guesses at once over the API: none is lost, so the lock engages at the limit."""
    settings.LOGIN_FAILURE_LIMIT = 8
    UserFactory(email="asha@example.test")
    barrier = threading.Barrier(8)
    statuses = []

    def guess(number):
        try:
            barrier.wait()
            statuses.append(_login(Client(), "asha@example.test", f"guess-{number}", address=f"10.0.0.{number}")
                            .status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [401] * 8
    record = LoginFailure.objects.get(key="account:asha@example.test")
    assert record.failures == 8 and record.locked_until is not None
    assert _login(Client(), "asha@example.test", TEST_PASSWORD, address="10.0.0.99").status_code == 429
