"""Assembles the ninja routers under /api/v1 and renders every error in one JSON shape."""
from __future__ import annotations

import logging

from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from serene.core.errors import AppError
from serene.availability.api import router as availability_router
from serene.bookings.api import router as sessions_router
from serene.experts.api import router as experts_router
from serene.payments.api import router as payments_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Serene API",
    version="1",
    description="Book paid one-to-one sessions with wellbeing experts. Errors are "
                '`{"success": false, "error": {"code", "message"}}` with a 4xx status.',
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, code: str, message: str, field: str | None = None):
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    return api.create_response(request, {"success": False, "error": error}, status=status)


@api.exception_handler(AppError)
def on_app_error(request, exc: AppError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


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


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _error(request, exc.status_code, "invalid" if exc.status_code < 500 else "server_error", str(exc))


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return _error(request, 500, "server_error", "Something went wrong on our side. Please try again.")


# Availability first: its literal /experts/availability must win over /experts/{expert_id}.
api.add_router("/", availability_router)
api.add_router("/", experts_router)
api.add_router("/", payments_router)
api.add_router("/", sessions_router)
