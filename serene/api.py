"""Assembles the ninja routers under /api/v1 and renders every error in one JSON shape."""
from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from serene.availability.api import router as availability_router
from serene.core.api_common import TextParser
from serene.core.openapi import openapi_polish
from serene.core.errors import AppError
from serene.core.logs import mark_expected
from serene.core.pool import pool_busy_response, pool_timeout_in
from serene.customer.api import router as sessions_router
from serene.experts.api import router as experts_router
from serene.marketplace.auth_api import router as auth_router
from serene.payments.api import router as payments_router

logger = logging.getLogger(__name__)

DESCRIPTION = """Book paid one-to-one sessions with wellbeing experts.

**Errors** are `{"success": false, "error": {"code", "message", "field"?}}` with a 4xx status (503 when
a dependency is busy or down); each operation lists the ones it can answer.

**Signing in from a single-page client** (same site, session cookie):
1. `GET /api/v1/auth/csrf` sets the `csrftoken` cookie and returns the token.
2. `POST /api/v1/auth/login` with `{"email", "password"}` and the header `X-CSRFToken: <token>`; the
   answer sets the `sessionid` cookie and a fresh `csrfToken` (the token rotates at sign-in).
3. Every later `POST`/`PUT` sends `X-CSRFToken` with the current token. `GET /api/v1/auth/me` says who
   is signed in; `POST /api/v1/auth/logout` signs out.

An anonymous call to an operation that needs sign-in answers 401 `not_authenticated` before any CSRF
check; a signed-in `POST`/`PUT` without a valid token answers 403 `csrf_failed`.

**Times** are in the expert's time zone (`notes.sessionDate` + `notes.sessionTime`) or an instant
(`startsAt`, ISO 8601 with its offset). A wall time that does not exist on a daylight-saving day
(02:30 on America/New_York's spring-forward day) is refused with 400; on a fall-back day the
earlier of the two 01:30s is meant unless `sessionTime` carries the offset (`"01:30-05:00"` is the
second one in New York), or `startsAt` names the instant.
"""


# Operation ids are public: clients generate code from them. ninja derives one from its function's
# module, and the sessions operations were published while they lived in serene.payments.sessions_api,
# the sign-in ones in serene.accounts.api; since they moved up to the composition layer (customer,
# marketplace) they keep the ids they were published with.
PUBLISHED_OPERATION_PREFIXES = {"serene.customer.api": "serene_payments_sessions_api",
                                "serene.marketplace.auth_api": "serene_accounts_api"}


class SereneAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        module = operation.view_func.__module__
        prefix = PUBLISHED_OPERATION_PREFIXES.get(module, module.replace(".", "_"))
        return f"{prefix}_{operation.view_func.__name__}"

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return openapi_polish(schema)


api = SereneAPI(
    title="Serene API",
    version="1",
    description=DESCRIPTION,
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
    parser=TextParser(),
)


def _error(request: HttpRequest, status: int, code: str, message: str, field: str | None = None):
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    if status < 500:
        mark_expected(request)
    return api.create_response(request, {"success": False, "error": error}, status=status)


@api.exception_handler(AppError)
def on_app_error(request, exc: AppError):
    if exc.status < 500:
        mark_expected(request)
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if exc.retry_after_seconds is not None:
        response["Retry-After"] = str(exc.retry_after_seconds)
    return response


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "payload", "params")]
    field = ".".join(location) or None
    message = first.get("msg", "Invalid input.")
    if field:
        message = f"{field}: {message}"
    return _error(request, 400, "invalid", message, field)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return _error(request, 401, "not_authenticated", "Please sign in first.")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "not_found", "We could not find what you asked for.")


@api.exception_handler(RequestDataTooBig)
def on_request_too_big(request, exc):
    return _error(request, 413, "payload_too_large", "The request body is larger than this server accepts.")


@api.exception_handler(MultiPartParserError)
def on_unreadable_multipart(request, exc):
    return _error(request, 400, "invalid", "The multipart body could not be read (is its boundary missing?). "
                                           "Send JSON with Content-Type: application/json.")


@api.exception_handler(SuspiciousOperation)
def on_suspicious_request(request, exc):
    return _error(request, 400, "invalid", "The request could not be read.")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _error(request, exc.status_code, "invalid" if exc.status_code < 500 else "server_error", str(exc))


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    if pool_timeout_in(exc):
        return pool_busy_response(request)
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return _error(request, 500, "server_error", "Something went wrong on our side. Please try again.")


# Availability first: its literal /experts/availability must win over /experts/{expert_id}.
api.add_router("/", auth_router)
api.add_router("/", availability_router)
api.add_router("/", experts_router)
api.add_router("/", payments_router)
api.add_router("/", sessions_router)
