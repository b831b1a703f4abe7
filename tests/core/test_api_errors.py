"""Bad requests to /api/v1 answer a clean JSON 4xx with their own code, never a 500 or an HTML page."""
import json

import pytest
from django.test import Client

from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db

UPLOAD_LIMIT = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MiB


def _json(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()


def _too_big_body() -> str:
    return json.dumps({"notes": {"expertId": "x"}, "padding": "x" * UPLOAD_LIMIT})


@pytest.mark.parametrize(("method", "path", "signed_in"), [
    ("post", "/api/v1/payments/webhook", False),
    ("post", "/api/v1/payments/create-order", True),
    ("post", "/api/v1/payments/verify", True),
    ("post", "/api/v1/sessions", True),
    ("post", "/api/v1/auth/login", False),
    ("put", "/api/v1/experts/availability", True),
])
def test_a_json_body_over_the_upload_limit_is_413_payload_too_large(client, method, path, signed_in):
    if signed_in:
        client.force_login(ExpertFactory().user)
    response = getattr(client, method)(path, data=_too_big_body(), content_type="application/json")
    assert response.status_code == 413
    assert _json(response)["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("path", ["/api/v1/payments/create-order", "/api/v1/payments/verify", "/api/v1/sessions",
                                  "/api/v1/auth/logout", "/api/v1/auth/login"])
def test_multipart_without_a_boundary_on_a_signed_in_post_is_400(path):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ExpertFactory().user)
    browser.get("/api/v1/auth/csrf")  # with the CSRF cookie set, Django's check reads the multipart body
    response = browser.post(path, data=b"--x\r\n", content_type="multipart/form-data")
    assert response.status_code == 400
    assert _json(response)["success"] is False


def test_a_signed_in_post_without_a_csrf_token_is_403_csrf_failed():
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())
    response = browser.post("/api/v1/payments/create-order", data="{}", content_type="application/json")
    assert response.status_code == 403
    error = _json(response)["error"]
    assert error["code"] == "csrf_failed" and "X-CSRFToken" in error["message"]


def test_a_wrong_csrf_token_is_403_csrf_failed_too():
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())
    browser.get("/api/v1/auth/csrf")
    response = browser.post("/api/v1/payments/verify", data="{}", content_type="application/json",
                            HTTP_X_CSRFTOKEN="A" * 32)
    assert response.status_code == 403 and _json(response)["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/api/v1/payments/create-order"), ("post", "/api/v1/payments/verify"), ("post", "/api/v1/sessions"),
    ("put", "/api/v1/experts/availability"), ("post", "/api/v1/auth/logout"),
])
def test_an_anonymous_caller_hears_401_before_any_csrf_check(method, path):
    browser = Client(enforce_csrf_checks=True)
    response = getattr(browser, method)(path, data="{}", content_type="application/json")
    assert response.status_code == 401
    assert _json(response)["error"]["code"] == "not_authenticated"


def test_the_token_from_auth_csrf_lets_a_signed_in_post_through():
    expert = ExpertFactory(slug="sarah", minimum_notice_hours=0)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())
    token = browser.get("/api/v1/auth/csrf").json()["csrfToken"]
    body = {"currency": "INR", "duration": 45, "notes": {"expertId": expert.slug},
            "startsAt": at(next_weekday(), 10).isoformat()}
    response = browser.post("/api/v1/payments/create-order", data=json.dumps(body), content_type="application/json",
                            HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400 and _json(response)["error"]["field"] == "duration"  # past CSRF, into validation


def test_a_method_an_operation_does_not_answer_is_a_json_405_with_allow(client):
    ExpertFactory(slug="sarah")
    response = client.delete("/api/v1/experts/sarah")
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert _json(response)["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_api_path_is_a_json_404_for_any_method(settings, debug):
    settings.DEBUG = debug
    browser = Client(enforce_csrf_checks=True)
    for method in ("get", "post", "delete"):
        response = getattr(browser, method)("/api/v1/no/such/thing")
        assert response.status_code == 404, method
        assert _json(response)["error"]["code"] == "not_found"


@pytest.mark.parametrize("query", ["q=a%00b", "category=%00", "q%00=1"])
def test_a_nul_character_in_a_query_is_a_400(client, query):
    response = client.get(f"/api/v1/experts?{query}")
    assert response.status_code == 400 and _json(response)["success"] is False


def test_a_nul_character_in_a_json_body_is_a_400(client):
    client.force_login(UserFactory())
    body = json.dumps({"currency": "INR", "notes": {"expertId": "sarah\x00"}, "startsAt": "2030-01-01T10:00:00Z"})
    response = client.post("/api/v1/payments/create-order", data=body, content_type="application/json")
    assert response.status_code == 400 and _json(response)["success"] is False
