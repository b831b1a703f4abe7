"""Schemathesis over the whole OpenAPI of /api/v1, in process (WSGI), anonymous and signed in.

Every check runs: no 5xx, every status documented, every body and content type as the schema says,
invalid input refused, auth not ignored. The gateway is the emulator on the live test server (the
`sandbox` fixture), so a generated create-order that passes validation opens a real order instead of
failing on an unreachable gateway. Generation is derandomized and capped so a run stays short.
"""
from __future__ import annotations

import uuid
from datetime import UTC, date, timedelta

import pytest
import schemathesis
from hypothesis import strategies as st
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.wsgi import get_wsgi_application

from tests.factories import ExpertFactory, UserFactory
from tests.video.conftest import make_booking

CSRF_SECRET = "SereneSchemathesisCsrfSecret0001"  # 32 characters, as Django's CSRF cookie holds
MAX_EXAMPLES = 25

# Dates and instants at the ends of what Python can hold come first: spread over years 1 to 9999, 25
# examples almost never land there, and there a date a day away overflows (a reschedule to 9999
# answered 500 until fuzzing was given these).
EDGE_DAYS = ["9999-12-31", "0001-01-01", "2100-12-31", "2101-01-01", "1999-12-31"]
EDGE_INSTANTS = ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:00:00-12:00",
                 "0001-01-01T00:30:00+14:00", "2100-12-31T23:30:00-12:00"]
schemathesis.openapi.format("date", st.sampled_from(EDGE_DAYS) | st.dates().map(date.isoformat))
schemathesis.openapi.format("date-time", st.sampled_from(EDGE_INSTANTS) | st.datetimes(timezones=st.just(UTC)).map(
    lambda instant: instant.isoformat().replace("+00:00", "Z")))


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
# The routes of one session, called on a session of the signed-in customer's own: with an id of no
# session of theirs every call stops at 404, before its body is read (how a year-9999 reschedule
# slipped through).
own_session = _load().include(path_regex=r"^/api/v1/sessions/\{session_id\}")


SIGNED_IN = "signed-in"  # stands for a session made at call time: schemathesis builds cases at collection too


def _fresh_session_key(user=None) -> str:
    if user is None:
        user = UserFactory.build()
        user.save()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


@own_session.auth(refresh_interval=None)
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


@own_session.parametrize()
def test_calls_on_my_own_session_match_the_schema(case):
    if (case.cookies or {}).get("sessionid") == SIGNED_IN:
        customer = UserFactory()
        case.cookies["sessionid"] = _fresh_session_key(customer)
        # Confirmed, far enough ahead to move or cancel, with an expert of its own: on PostgreSQL two
        # bookings of one expert at the same time are refused by the no-overlap constraint.
        mine = make_booking(customer=customer, expert=ExpertFactory(minimum_notice_hours=0),
                            starts_in=timedelta(days=3))
        if _is_uuid((case.path_parameters or {}).get("session_id")):  # a malformed one stays: it must be a 404
            case.path_parameters = {**case.path_parameters, "session_id": str(mine.public_id)}
    case.call_and_validate()


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
