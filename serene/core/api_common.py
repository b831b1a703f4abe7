"""What every JSON API router shares: the error body's schema, the error answers an operation
documents, and session sign-in that answers 401 before any CSRF check, and a CSRF failure as JSON.
"""
from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from ninja import Field, Schema
from ninja.parser import Parser
from ninja.security import APIKeyCookie

from .errors import CsrfFailed, InvalidInput

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
ISO_INSTANT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


class ErrorDetailOut(Schema):
    code: str = Field(description="A stable code to branch on: invalid, not_authenticated, csrf_failed, forbidden, "
                                  "not_found, slot_taken, payload_too_large, unavailable, …")
    message: str = Field(description="A sentence to show a person.")
    field: str | None = Field(None, description="The input the error is about, when there is one (e.g. notes.sessionTime).")
    fields: dict[str, list[str]] | None = Field(None, description="Sign-up only: every input's messages, by input name.")


class ErrorOut(Schema):
    success: Literal[False]
    error: ErrorDetailOut


ERROR_ANSWERS = {
    400: "Invalid input (code invalid, or a more specific one); error.field names the input.",
    401: "Not signed in (code not_authenticated).",
    403: "Signed in, but the CSRF token is missing or wrong (code csrf_failed), or not allowed (code forbidden).",
    404: "Nothing with that id, or not yours (code not_found).",
    409: "A conflict with the current state, e.g. someone else holds that time (code slot_taken), or the customer "
         "already has a session at an overlapping time (code customer_busy).",
    410: "The hold on this time ran out (code hold_expired).",
    413: "The request body is larger than the server accepts (code payload_too_large).",
    429: "Too many attempts; wait and try again (code too_many_attempts), or too many unpaid holds at once "
         "(code too_many_holds).",
    503: "Busy, or the payment provider cannot be reached; nothing was charged, try again (code busy, "
         "unavailable or payment_gateway_error).",
}


def answers(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    """An operation's response map: its success schemas plus ErrorOut for each error status it can answer."""
    return {**ok, **{status: ErrorOut for status in errors}}


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(key) or _contains_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


class TextParser(Parser):
    """ninja's JSON parser, refusing NUL characters: PostgreSQL cannot store or compare them."""

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        if _contains_nul(data):
            raise ValueError("The body contains a NUL character.")
        return data

    def parse_querydict(self, data, list_fields, request: HttpRequest):
        for name, values in data.lists():
            if _contains_nul(name) or _contains_nul(values):
                raise InvalidInput(f"{name} must not contain a NUL character.", field=name.replace("\x00", ""))
        return super().parse_querydict(data, list_fields, request)


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own CSRF check, made to hand back its reason instead of a 403 page."""

    def _reject(self, request: HttpRequest, reason: str) -> str:  # noqa: D401
        return reason


def _no_view(request: HttpRequest) -> HttpResponse:
    """The view _CsrfCheck is built around and checks: it only reads the request, and calls no view."""
    raise AssertionError("the CSRF check calls no view")


def csrf_require(request: HttpRequest) -> None:
    """Raise CsrfFailed (403, JSON) when an unsafe request lacks a valid CSRF token."""
    if request.method in SAFE_METHODS:
        return
    check = _CsrfCheck(_no_view)
    request.csrf_processing_done = False  # type: ignore[attr-defined]  # the middleware's own flag, not in django-stubs
    check.process_request(request)
    reason = check.process_view(request, _no_view, (), {})
    if reason:
        raise CsrfFailed(f"CSRF check failed ({reason}) Fetch a token from GET /api/v1/auth/csrf and send it "
                         "back in the X-CSRFToken header, with the csrftoken cookie.")


class SessionAuth(APIKeyCookie):
    """Django's session cookie. Anonymous callers hear 401 first; a signed-in unsafe call then needs a CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = ("Django's session cookie, set by POST /api/v1/auth/login (or the sign-in page). "
                           "POST and PUT also need the X-CSRFToken header; see GET /api/v1/auth/csrf.")

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked in __call__, after authentication

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False):
            csrf_require(request)
        return request.user

    def authenticate(self, request: HttpRequest, key: str | None):
        return request.user if request.user.is_authenticated else None


session_auth = SessionAuth()
