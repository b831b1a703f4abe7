"""Tasks that try again: a failed attempt that may succeed later is queued again with backoff.

django-tasks 0.12 has no retries of its own, so `retrying_task` adds them on top of its `run_after`:
each attempt is one task result; a retryable failure enqueues the next attempt (numbered in the
`attempt` keyword) for later, then fails the current one as usual. Retryable means the fault is
elsewhere and passing: an AppError answering 502/503/504 (the gateway is unreachable or busy), or a
database lock timeout, deadlock or serialization failure, also when an AppError was raised from
one. An error class may say so itself with a `retryable` attribute.
"""
from __future__ import annotations

import functools
import inspect
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import TaskContext, TaskResultStatus, task
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from .errors import AppError

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({502, 503, 504})
# PostgreSQL: deadlock_detected, lock_not_available (lock_timeout, NOWAIT), serialization_failure.
RETRYABLE_SQLSTATES = frozenset({"40P01", "55P03", "40001"})
SQLITE_LOCKED_MESSAGES = ("database is locked", "database table is locked")


def error_is_retryable(error: BaseException) -> bool:
    """Whether trying the same work again later may succeed."""
    current: BaseException | None = error
    for _ in range(5):  # the error, then what it was raised from
        if current is None:
            return False
        explicit = getattr(current, "retryable", None)
        if isinstance(explicit, bool):
            return explicit
        if isinstance(current, AppError) and current.status in RETRYABLE_STATUSES:
            return True
        if _is_lock_conflict(current):
            return True
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return False


def _is_lock_conflict(error: BaseException) -> bool:
    if getattr(error, "sqlstate", None) in RETRYABLE_SQLSTATES:  # psycopg's error, which Django's wraps
        return True
    return isinstance(error, OperationalError) and any(text in str(error).lower() for text in SQLITE_LOCKED_MESSAGES)


def retry_delay(*, attempt: int) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1, 2, …): first × factor^(attempt-1),
    plus up to a tenth more so that tasks failed by one outage do not all come back at once."""
    seconds = settings.TASK_RETRY_FIRST_DELAY_SECONDS * settings.TASK_RETRY_BACKOFF_FACTOR ** (attempt - 1)
    return timedelta(seconds=seconds * (1 + random.random() / 10))


def retrying_task(*, max_attempts: int | None = None, **task_options: Any) -> Callable[[Callable], Task]:
    """Like django_tasks' `@task(...)`; a retryable error queues the task again, up to
    `max_attempts` attempts in all (default TASK_RETRY_MAX_ATTEMPTS), then it is logged as given up.

    Retries need a backend that can defer (the database backend); elsewhere a failure is final.
    """
    def decorate(function: Callable) -> Task:
        if inspect.iscoroutinefunction(function):
            raise TypeError(f"retrying_task runs plain functions; {function.__qualname__} is a coroutine function.")

        def run(context: TaskContext, *args: Any, attempt: int = 1, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except Exception as error:
                _after_failure(context.task_result.task, args=args, kwargs=kwargs, attempt=attempt, error=error,
                               max_attempts=max_attempts or settings.TASK_RETRY_MAX_ATTEMPTS)
                raise
        # The task is found again by the function's module and name, so `run` takes them; not
        # `__wrapped__`, whose signature would hide the `context` argument the backend checks for.
        wrapped = functools.update_wrapper(run, function)
        del wrapped.__wrapped__
        return task(takes_context=True, **task_options)(run)
    return decorate


def _after_failure(current: Task, *, args: tuple, kwargs: dict, attempt: int, error: Exception,
                   max_attempts: int) -> None:
    name = current.module_path
    if not error_is_retryable(error):
        return  # the backend records and logs the failure
    if attempt >= max_attempts:
        logger.error("Gave up on task %s%s after %d attempts: %s", name, _arguments(args, kwargs), attempt, error)
        return
    if not current.get_backend().supports_defer:
        logger.warning("Task %s%s failed and is not retried: its backend cannot run it later", name,
                       _arguments(args, kwargs))
        return
    run_after = timezone.now() + retry_delay(attempt=attempt)
    try:
        current.using(run_after=run_after).enqueue(*args, attempt=attempt + 1, **kwargs)
    except Exception:
        logger.exception("Could not queue attempt %d of task %s%s", attempt + 1, name, _arguments(args, kwargs))
        return
    logger.warning("Task %s%s failed (%s); attempt %d of %d at %s", name, _arguments(args, kwargs), error,
                   attempt + 1, max_attempts, run_after.isoformat(timespec="seconds"))


def _arguments(args: tuple, kwargs: dict) -> str:
    shown = [repr(value) for value in args] + [f"{key}={value!r}" for key, value in kwargs.items()]
    return f"({', '.join(shown)})"


def queued_arguments(task_: Task) -> list[list] | None:
    """The positional arguments of this task's results still waiting in the database queue (due or
    deferred), so a caller can avoid queueing the same work twice; None if the backend keeps no queue."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    waiting = DBTaskResult.objects.filter(task_path=task_.module_path, backend_name=backend.alias, status=TaskResultStatus.READY)
    return [row["args"] for row in waiting.values_list("args_kwargs", flat=True)]


@task()
def worker_heartbeat() -> None:
    """Record that a worker is running tasks (SCHEDULED_TASKS queues this; /readyz reads it)."""
    import os
    import socket

    from .models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        name="worker", defaults={"seen_at": timezone.now(), "host": f"{socket.gethostname()} pid {os.getpid()}"[:200]})


def task_results_failed_since(*, since: datetime) -> QuerySet[DBTaskResult]:
    """Background tasks that raised (after their retries) since then, latest first: for staff."""
    return DBTaskResult.objects.failed().filter(finished_at__gte=since).order_by("-finished_at")
