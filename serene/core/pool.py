"""A full connection pool answers 503 "busy, try again" with Retry-After, not a 500; and a request
that waits on something other than the database hands its connection back meanwhile.

With DATABASES' psycopg pool (DATABASE_POOL_* settings), a request that waits DATABASE_POOL_TIMEOUT
seconds for a free connection gets psycopg_pool.PoolTimeout, which Django wraps in its
OperationalError. The API's catch-all handler and the 500 handler (for pages, and for a timeout in
middleware, say while loading the session) both ask `pool_timeout_in` first.
"""
from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

BUSY_MESSAGE = "Serene is very busy right now. Nothing was changed; please try again in a few seconds."


def pool_timeout_in(error: BaseException | None) -> bool:
    """Whether the error is, or was raised from, the pool's timeout."""
    try:
        from psycopg_pool import PoolTimeout
    except ImportError:  # the pool is not installed: nothing can be its timeout
        return False
    for _ in range(5):
        if error is None:
            return False
        if isinstance(error, PoolTimeout):
            return True
        error = error.__cause__ or error.__context__
    return False


def pool_busy_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the API, a page that needs no database for the rest."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"success": False, "error": {"code": "busy", "message": BUSY_MESSAGE}}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": BUSY_MESSAGE}), status=503)
    response["Retry-After"] = str(settings.DATABASE_POOL_RETRY_AFTER_SECONDS)
    return response


def connection_give_back() -> None:
    """Hand this thread's connection back to the pool before waiting on something that is not the
    database (a gateway call, which may take seconds); the next query takes one again.

    Django keeps a request's connection until the request ends, so under a burst every request that
    waited on Razorpay kept one of the pool's few connections idle meanwhile, and the others queued
    for the pool (bench/booking.py, docs/benchmarks.md). Only with the PostgreSQL pool on, and never
    inside a transaction (which needs its connection); elsewhere it does nothing.
    """
    if connection.vendor == "postgresql" and connection.settings_dict.get("OPTIONS", {}).get("pool") \
            and connection.connection is not None and not connection.in_atomic_block:
        connection.close()
