"""Background tasks: the queue (django-tasks on the database), how a failed task is retried, and
every job the scheduler queues by itself."""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from serene.settings.env import env

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task that fails for a passing reason (gateway unreachable, a lock timeout or deadlock) runs again
# after FIRST_DELAY, then FACTOR times longer each time (10, 30, 90 … s), up to MAX_ATTEMPTS in all:
# by default 7 attempts over about an hour, then it is logged as given up.
TASK_RETRY_MAX_ATTEMPTS = env.int("TASK_RETRY_MAX_ATTEMPTS", 7)
TASK_RETRY_FIRST_DELAY_SECONDS = env.int("TASK_RETRY_FIRST_DELAY_SECONDS", 10)
TASK_RETRY_BACKOFF_FACTOR = env.int("TASK_RETRY_BACKOFF_FACTOR", 3)
if TASK_RETRY_MAX_ATTEMPTS < 1 or TASK_RETRY_FIRST_DELAY_SECONDS < 1 or TASK_RETRY_BACKOFF_FACTOR < 1:
    raise ImproperlyConfigured("TASK_RETRY_MAX_ATTEMPTS, TASK_RETRY_FIRST_DELAY_SECONDS and TASK_RETRY_BACKOFF_FACTOR "
                               "must each be 1 or more.")

# What `manage.py run_scheduler` (the Procfile's scheduler) queues by itself: (task path, every so many
# seconds), and task paths queued once each time it starts. Add a job here, not to cron.
PAYMENTS_SWEEP_INTERVAL_SECONDS = env.int("PAYMENTS_SWEEP_INTERVAL_SECONDS", 180)
# The heartbeat shows a worker is running; /readyz reads its age (READY_WORKER_MAX_AGE_SECONDS).
WORKER_HEARTBEAT_INTERVAL_SECONDS = env.int("WORKER_HEARTBEAT_INTERVAL_SECONDS", 60)
SCHEDULED_TASKS = [
    ("serene.payments.tasks.payments_sweep", PAYMENTS_SWEEP_INTERVAL_SECONDS),
    ("serene.bookings.tasks.bookings_complete_finished", env.int("COMPLETE_SESSIONS_INTERVAL_SECONDS", 300)),
    ("serene.bookings.tasks.bookings_expire_lapsed_holds", env.int("EXPIRE_HOLDS_INTERVAL_SECONDS", 60)),
    ("serene.payments.tasks.approvals_expire", env.int("APPROVAL_SWEEP_INTERVAL_SECONDS", 300)),
    ("serene.notifications.tasks.messages_deliver_due", env.int("MAIL_SWEEP_INTERVAL_SECONDS", 30)),
    ("serene.notifications.tasks.reminders_send_due", env.int("REMINDER_SWEEP_INTERVAL_SECONDS", 300)),
    ("serene.core.tasks.worker_heartbeat", WORKER_HEARTBEAT_INTERVAL_SECONDS),
]
SCHEDULED_TASKS_AT_START = ["serene.payments.tasks.payments_sweep_after_restart"]
