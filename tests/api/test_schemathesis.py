"""Schemathesis over the whole OpenAPI of /api/v1, in process (WSGI), anonymous and signed in.

Every check runs: no 5xx, every status documented, every body and content type as the schema says,
invalid input refused, auth not ignored. The gateway is the emulator on the live test server (the
`sandbox` fixture), so a generated create-order that passes validation opens a real order instead of
failing on an unreachable gateway. Generation is derandomized and capped so a run stays short.
"""
from __future__ import annotations

import pytest
import schemathesis
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.wsgi import get_wsgi_application

from tests.factories import ExpertFactory, UserFactory

CSRF_SECRET = "SereneSchemathesisCsrfSecret0001"  # 32 characters, as Django's CSRF cookie holds
MAX_EXAMPLES = 25


def _load():
    # Loaded at collection: serving the OpenAPI document touches no database.
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    loaded.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    # A request can be valid by the schema and still break a rule only the data knows (an unknown
    # category, a past date, a length this expert does not offer, a page past the last): those answer
    # 400 naming the field, which positive_data_acceptance would otherwise count against us.
    loaded.config.checks.positive_data_acceptance.expected_statuses = ["2xx", "400", "401", "403", "404", "409", "429"]
    return loaded


anonymous = _load()
signed_in = _load()


SIGNED_IN = "signed-in"  # stands for a session made at call time: schemathesis builds cases at collection too


def _fresh_session_key() -> str:
    user = UserFactory.build()
    user.save()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


@signed_in.auth(refresh_interval=None)
class SessionCookie:
    """The session cookie and the CSRF pair; schemathesis also leaves them out to see a 401."""

    def get(self, case, context):
        return SIGNED_IN

    def set(self, case, data, context):
        case.cookies = {**(case.cookies or {}), "sessionid": data, "csrftoken": CSRF_SECRET}
        case.headers = {**(case.headers or {}), "X-CSRFToken": CSRF_SECRET}


@pytest.fixture(autouse=True)
def world(sandbox):
    """The emulator on the live server, and one bookable expert the schema's examples name."""
    ExpertFactory(slug="sarah-khan", user__name="Dr. Sarah Khan", minimum_notice_hours=0)


@anonymous.parametrize()
def test_anonymous_calls_match_the_schema(case):
    case.call_and_validate()


@signed_in.parametrize()
def test_signed_in_calls_match_the_schema(case):
    if (case.cookies or {}).get("sessionid") == SIGNED_IN:
        # A fresh user and session for every call, so a generated logout harms no other.
        case.cookies["sessionid"] = _fresh_session_key()
    case.call_and_validate()
