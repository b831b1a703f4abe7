"""Logging helpers: JSON lines (LOG_FORMAT=json) and a filter that keeps expected answers out of
django.request's warnings.

An AppError (a 409 conflict, a 404, a 400 with a form message) is Serene answering as designed,
not a fault; handlers that render one call `mark_expected(request)`, and ExpectedErrorFilter drops
django.request's "Conflict: /api/..." line for it. Unexpected 4xx (a 404 for an unknown address,
a CSRF failure) and every 5xx are still logged.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

EXPECTED_ATTRIBUTE = "_serene_expected_error"

# Attributes every LogRecord has; anything else was passed in `extra` and is written out too.
_STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 0, "", None, None))) | {"message", "asctime"}
_SKIPPED_EXTRAS = {"request", "server_time"}  # objects, not data


def mark_expected(request) -> None:
    """This request's 4xx answer is an expected one (see ExpectedErrorFilter)."""
    try:
        setattr(request, EXPECTED_ATTRIBUTE, True)
    except AttributeError:  # not a request object we can mark
        pass


class ExpectedErrorFilter(logging.Filter):
    """Drop django.request's warning for a 4xx answer marked expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if isinstance(status, int) and 400 <= status < 500 and getattr(request, EXPECTED_ATTRIBUTE, False):
            return False
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, any extras, and the
    traceback under "exception"."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key in _SKIPPED_EXTRAS or key.startswith("_"):
                continue
            entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry.setdefault("method", getattr(request, "method", None))
            entry.setdefault("path", request.path)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
