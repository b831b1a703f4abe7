"""Serene's addresses plus two slow ones, for the serving tests: /test/slow sleeps, /test/slow-db keeps a
database connection busy (PostgreSQL's pg_sleep) for as long as it is told to."""
import time

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from serene.urls import handler404, handler500  # noqa: F401 (Serene's error pages, the 503 for a busy pool)


def slow(request: HttpRequest) -> HttpResponse:
    time.sleep(float(request.GET.get("seconds", "3")))
    return HttpResponse("finished", content_type="text/plain")


def slow_database(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [float(request.GET.get("seconds", "2"))])
    return HttpResponse("finished", content_type="text/plain")


urlpatterns = [
    path("test/slow", slow),
    path("test/slow-db", slow_database),
    path("", include("serene.urls")),
]
