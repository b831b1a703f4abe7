"""Observability: logs, the /metrics endpoint and who may read it, and /readyz's view of the workers."""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from serene.settings.env import env

# Logs: LOG_FORMAT=json writes one JSON object a line (for a log shipper); plain otherwise.
LOG_LEVEL = env.str("LOG_LEVEL", "INFO")
LOG_FORMAT = env.str("LOG_FORMAT", "plain").strip().lower() or "plain"
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
                   "json": {"()": "serene.core.logs.JsonFormatter"}},
    # An expected answer (a 409 conflict, a 4xx AppError) is not a warning from django.request.
    "filters": {"expected_errors": {"()": "serene.core.logs.ExpectedErrorFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                # The scheduler logs what it queues itself; APScheduler's own lines repeat each run.
                "apscheduler": {"level": "WARNING"},
                "django.request": {"filters": ["expected_errors"]}},
}

# Metrics at /metrics in Prometheus' text format: with METRICS_TOKEN set, for a request carrying
# "Authorization: Bearer <token>"; from the addresses in METRICS_ALLOWED_IPS; open to all only in debug.
METRICS_TOKEN = env.str("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# A folder shared by the web process's workers, so /metrics counts all of them (prometheus_client reads
# the same variable itself to write there).
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", "")

# Readiness: /readyz answers 200 while the database answers and a worker has run the heartbeat task
# (queued every WORKER_HEARTBEAT_INTERVAL_SECONDS, tasks.py) within READY_WORKER_MAX_AGE_SECONDS.
READY_WORKER_MAX_AGE_SECONDS = env.int("READY_WORKER_MAX_AGE_SECONDS", 300)
