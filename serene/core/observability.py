"""Readiness (/readyz) and metrics in Prometheus' text format (/metrics).

Metrics come in two kinds:

- Request latency, a histogram by route (the URL pattern that matched, never the raw path, so ids
  do not make new series), method and status class, kept in the web process that answered. With
  several web workers in one container, set PROMETHEUS_MULTIPROC_DIR (an empty folder) so the
  processes share it; otherwise each scrape sees the process it reached.
- The PostgreSQL connection pool of the process that answered (psycopg_pool's counters since the
  process started): checkouts, how many had to queue and for how long in all, timeouts, and the
  pool's size and free connections now. A growing wait means DATABASE_POOL_MAX is too small for
  the traffic (docs/operations.md, pool sizing).
- Everything about the business and the queue (bookings by status, payments by status, refunds by
  status, tasks waiting and the age of the oldest, the worker's last heartbeat) is read from the
  database when Prometheus scrapes, so it is the same whichever process answers, and counts the work
  of the task workers too, which serve no HTTP.
"""
from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "serene_http_request_duration_seconds", "Time to answer an HTTP request, by route.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))


def request_route(request: HttpRequest) -> str:
    """The URL pattern that answered (`experts/<slug:slug>/`), or a fixed name for none."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.route or match.view_name or "unnamed"
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class RequestMetricsMiddleware:
    """Times every request (outermost, so it counts the other middleware too)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} \
            else "other"
        REQUEST_LATENCY.labels(method=method, route=request_route(request),
                               status=f"{response.status_code // 100}xx").observe(time.perf_counter() - started)
        return response


# Gauges of the domain apps, read at scrape time: each app registers a function of `now` that yields
# its GaugeMetricFamily values (bookings/metrics.py, payments/metrics.py), in its AppConfig.ready.
# So core, which every app imports, imports none of them.
DomainGauges = Callable[[datetime], Iterable[GaugeMetricFamily]]
_domain_gauges: list[DomainGauges] = []


def database_gauges_register(gauges: DomainGauges) -> None:
    """Read `gauges(now)` on every scrape of /metrics, after those registered before it."""
    if gauges not in _domain_gauges:
        _domain_gauges.append(gauges)


class DatabaseCollector:
    """Gauges read from the database at scrape time (see the module's docstring): the domain apps'
    registered gauges, then the task queue's and the worker's."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks_db.models import DBTaskResult, get_date_max
        from django_tasks import TaskResultStatus

        from .models import WorkerHeartbeat

        now = timezone.now()
        for gauges in _domain_gauges:
            yield from gauges(now)

        ready = DBTaskResult.objects.ready()
        waiting = GaugeMetricFamily("serene_tasks_waiting", "Tasks due to run, not yet picked up by a worker.",
                                    labels=["queue"])
        for queue, n in ready.order_by().values_list("queue_name").annotate(n=Count("pk")):
            waiting.add_metric([queue], n)
        yield waiting
        yield GaugeMetricFamily("serene_tasks_deferred", "Tasks waiting for a later run_after (retries, timers).",
                                value=DBTaskResult.objects.filter(status=TaskResultStatus.READY, run_after__gt=now)
                                .exclude(run_after=get_date_max()).count())
        yield GaugeMetricFamily("serene_tasks_running", "Tasks a worker is running now.",
                                value=DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count())
        oldest = ready.aggregate(enqueued=Min("enqueued_at", filter=_run_after_unset()),
                                 due=Min("run_after", filter=~_run_after_unset()))
        since = min((value for value in oldest.values() if value is not None), default=None)
        yield GaugeMetricFamily("serene_tasks_oldest_waiting_seconds",
                                "Age of the oldest task due to run (0 when none waits).",
                                value=max(0.0, (now - since).total_seconds()) if since else 0.0)
        day_ago = now - timedelta(days=1)
        yield GaugeMetricFamily("serene_tasks_failed_last_day", "Tasks that failed in the last 24 hours.",
                                value=DBTaskResult.objects.filter(status=TaskResultStatus.FAILED,
                                                                  finished_at__gte=day_ago).count())

        heartbeat = WorkerHeartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
        if heartbeat is not None:
            yield GaugeMetricFamily("serene_worker_heartbeat_age_seconds",
                                    "Seconds since a task worker last ran the heartbeat task.",
                                    value=max(0.0, (now - heartbeat).total_seconds()))


POOL_COUNTERS = {
    "requests_num": ("serene_database_pool_checkouts", "Connections handed out by this process's pool."),
    "requests_queued": ("serene_database_pool_checkouts_queued", "Checkouts that found no free connection and queued."),
    "requests_wait_ms": ("serene_database_pool_wait_milliseconds", "Time checkouts spent queueing for a connection, in all."),
    "requests_errors": ("serene_database_pool_timeouts", "Checkouts that gave up after DATABASE_POOL_TIMEOUT (answered 503)."),
}
POOL_MEASURES = {
    "pool_size": ("serene_database_pool_size", "Connections the pool has open now."),
    "pool_available": ("serene_database_pool_available", "Open connections free now."),
    "requests_waiting": ("serene_database_pool_waiting", "Checkouts queueing for a connection now."),
}


class PoolCollector:
    """This process's PostgreSQL connection pool (nothing without the pool)."""

    def collect(self):
        pool = getattr(connection, "pool", None) if connection.vendor == "postgresql" else None
        if pool is None:
            return
        stats = pool.get_stats()
        for key, (name, text) in {**POOL_COUNTERS, **POOL_MEASURES}.items():
            yield GaugeMetricFamily(name, text, value=stats.get(key, 0))


def _run_after_unset():
    from django.db.models import Q
    from django_tasks_db.models import get_date_max
    return Q(run_after=get_date_max())


def _process_registry() -> CollectorRegistry:
    """This process's metrics, or all web processes' when PROMETHEUS_MULTIPROC_DIR is set."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        from prometheus_client import multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def _database_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return registry


def _pool_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PoolCollector())
    return registry


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode()):
            return True
    if settings.METRICS_ALLOWED_IPS and request.META.get("REMOTE_ADDR") in settings.METRICS_ALLOWED_IPS:
        return True
    return settings.DEBUG and not token and not settings.METRICS_ALLOWED_IPS


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format; 404 to anyone not allowed (see METRICS_TOKEN), so it is not advertised."""
    if not metrics_allowed(request):
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    body = generate_latest(_process_registry()) + generate_latest(_pool_registry())
    try:
        body += generate_latest(_database_registry())
        up = 1
    except Exception:  # the database is down: still serve this process's metrics, and say so
        logger.exception("Metrics from the database could not be read")
        up = 0
    body += (b"# HELP serene_database_metrics_up Whether the database-derived metrics could be read.\n"
             b"# TYPE serene_database_metrics_up gauge\n" + f"serene_database_metrics_up {up}\n".encode())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def readiness_checks() -> dict[str, dict]:
    """Each check: {"ok": bool, "reason": str (when not ok), ...}."""
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as error:  # any failure to reach the database makes this process not ready
        checks["database"] = {"ok": False, "reason": f"The database did not answer: {type(error).__name__}: {error}"[:300]}
        checks["worker"] = {"ok": False, "reason": "Unknown while the database does not answer."}
        return checks
    from .models import WorkerHeartbeat
    seen_at = WorkerHeartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
    limit = settings.READY_WORKER_MAX_AGE_SECONDS
    if seen_at is None:
        checks["worker"] = {"ok": False, "reason": "No task worker has run the heartbeat task yet (are the worker and "
                                                   "the scheduler running?)."}
    else:
        age = (timezone.now() - seen_at).total_seconds()
        checks["worker"] = {"ok": age <= limit, "last_seen": seen_at.isoformat(timespec="seconds"),
                            "age_seconds": round(age)}
        if age > limit:
            checks["worker"]["reason"] = (f"No task worker has run the heartbeat task for {round(age)} s "
                                          f"(more than READY_WORKER_MAX_AGE_SECONDS={limit}).")
    return checks


@never_cache
def readiness(request: HttpRequest) -> JsonResponse:
    checks = readiness_checks()
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"success": ready, "status": "ready" if ready else "not_ready", "checks": checks},
                        status=200 if ready else 503)
