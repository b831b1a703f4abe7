"""Work that runs by itself, with no cron entry: `manage.py run_scheduler` (a Procfile process) queues
each task of SCHEDULED_TASKS every so many seconds and each of SCHEDULED_TASKS_AT_START once when it
starts; any db_worker runs them. APScheduler keeps the time; a job only enqueues, so it is quick.

A scheduled task that is still waiting in the queue is not queued again, so a stopped worker does
not come back to a pile of identical sweeps; scheduled tasks must be idempotent all the same.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections
from django.utils.module_loading import import_string
from django_tasks.base import Task

from .tasks import queued_arguments

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledTask:
    task_path: str
    every: timedelta | None  # None: once, when the scheduler starts


def schedule_from_settings() -> list[ScheduledTask]:
    """SCHEDULED_TASKS ((task path, seconds) pairs) and SCHEDULED_TASKS_AT_START (task paths), checked."""
    schedule = []
    for entry in settings.SCHEDULED_TASKS:
        if not (isinstance(entry, (tuple, list)) and len(entry) == 2):
            raise ImproperlyConfigured(f"SCHEDULED_TASKS entries are (task path, seconds) pairs, not {entry!r}.")
        task_path, seconds = entry
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
            raise ImproperlyConfigured(f"SCHEDULED_TASKS: the interval of {task_path} must be a whole number of "
                                       f"seconds above 0, not {seconds!r}.")
        schedule.append(ScheduledTask(task_path=_checked_task_path(task_path), every=timedelta(seconds=seconds)))
    for task_path in settings.SCHEDULED_TASKS_AT_START:
        schedule.append(ScheduledTask(task_path=_checked_task_path(task_path), every=None))
    periodic = [item.task_path for item in schedule if item.every is not None]
    if len(periodic) != len(set(periodic)):
        raise ImproperlyConfigured("SCHEDULED_TASKS names a task twice; give it one interval.")
    return schedule


def _checked_task_path(task_path: object) -> str:
    try:
        found = import_string(task_path) if isinstance(task_path, str) else None
    except ImportError:
        found = None
    if not isinstance(found, Task) or not isinstance(task_path, str):  # found is a Task only for a str
        raise ImproperlyConfigured(f"{task_path!r} in the schedule is not the dotted path of a task.")
    return task_path


def scheduled_task_enqueue(*, task_path: str) -> bool:
    """Queue the task unless it is still waiting in the queue; returns whether it was queued."""
    close_old_connections()
    try:
        task = import_string(task_path)
        if queued_arguments(task):
            logger.info("Scheduled task %s is still waiting in the queue; not queued again", task_path)
            return False
        task.enqueue()
        logger.info("Queued scheduled task %s", task_path)
        return True
    finally:
        close_old_connections()


def scheduler_build(*, schedule: list[ScheduledTask] | None = None) -> BackgroundScheduler:
    """A scheduler whose jobs queue the scheduled tasks; `start()` runs it in a thread of its own."""
    scheduler = BackgroundScheduler(
        timezone=timezone.utc, executors={"default": ThreadPoolExecutor(max_workers=1)},
        # A run missed while the process was paused happens once, late, rather than never or many times.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    for item in schedule_from_settings() if schedule is None else schedule:
        if item.every is None:
            scheduler.add_job(scheduled_task_enqueue, DateTrigger(timezone=timezone.utc), id=f"at-start:{item.task_path}",
                              kwargs={"task_path": item.task_path}, name=f"{item.task_path} at start")
        else:
            scheduler.add_job(scheduled_task_enqueue, IntervalTrigger(seconds=item.every.total_seconds(),
                                                                      timezone=timezone.utc),
                              id=f"every:{item.task_path}", kwargs={"task_path": item.task_path},
                              name=f"{item.task_path} every {int(item.every.total_seconds())} s")
    return scheduler
