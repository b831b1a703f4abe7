"""Renders an AppError raised by a page view as a friendly page with the error's status."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .errors import AppError
from .logs import mark_expected
from .post_only import method_not_allowed_page


class AppErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, AppError):
            return None
        if exception.status < 500:
            mark_expected(request)
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(exception.as_dict(), status=exception.status)
        else:
            template = "404.html" if exception.status == 404 else "error.html"
            response = render(request, template, {"error": exception}, status=exception.status)
        if exception.retry_after_seconds is not None:
            response["Retry-After"] = str(exception.retry_after_seconds)
        return response


class ApiMethodNotAllowedMiddleware:
    """A 405 from an /api/ path (ninja answers it in plain text) becomes the API's JSON error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or not request.path.startswith("/api/") \
                or response.get("Content-Type", "").startswith("application/json"):
            return response
        allowed = response.get("Allow", "")
        error = {"success": False, "error": {"code": "method_not_allowed",
                                             "message": f"{request.method} is not allowed here. Allowed: {allowed}."}}
        json_response = JsonResponse(error, status=405)
        json_response["Allow"] = allowed
        return json_response


class PageMethodNotAllowedMiddleware:
    """A bare 405 from a page (Django's `require_POST`, a class view's `http_method_not_allowed`, the
    admin's log-out) becomes the friendly 405 page with a way back. The API and the payment emulator
    answer their own (JSON) 405s and are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or request.path.startswith(("/api/", "/sandbox/")) \
                or response.get("Content-Type", "").startswith("application/json") \
                or response.streaming or response.content:
            return response
        allowed = [method.strip() for method in response.get("Allow", "").split(",") if method.strip()]
        return method_not_allowed_page(request, allowed=allowed)
