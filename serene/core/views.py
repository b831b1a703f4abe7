"""Friendly error pages and a health check."""
import sys

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from .pool import pool_busy_response, pool_timeout_in


def page_not_found(request: HttpRequest, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"success": False, "error": {"code": "not_found",
                             "message": "There is nothing at this address."}}, status=404)
    return render(request, "404.html", status=404)


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = ""):
    """Any /api/ address no operation answers: JSON 404 for every method, DEBUG or not."""
    return page_not_found(request)


def server_error(request: HttpRequest):
    if pool_timeout_in(sys.exc_info()[1]):
        return pool_busy_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"success": False, "error": {"code": "server_error",
                             "message": "Something went wrong on our side. Please try again."}}, status=500)
    return render(request, "500.html", status=500)


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"success": True, "status": "ok"})
