"""The scheduler: its jobs come from settings, it queues a task only when none is waiting, and the
Procfile starts it next to the web server and the worker."""
import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.core.exceptions import ImproperlyConfigured
from django_tasks_db.models import DBTaskResult
from honcho.environ import parse_procfile

from serene.core.scheduler import schedule_from_settings, scheduled_task_enqueue, scheduler_build

ROOT = Path(__file__).resolve().parents[2]
SWEEP = "serene.payments.tasks.payments_sweep"
AT_START = "serene.payments.tasks.payments_sweep_after_restart"


def test_the_jobs_are_the_scheduled_tasks_of_the_settings(settings):
    settings.SCHEDULED_TASKS = [(SWEEP, 120), ("serene.payments.tasks.payment_reconcile", 3600)]
    settings.SCHEDULED_TASKS_AT_START = [AT_START]
    jobs = {job.id: job for job in scheduler_build().get_jobs()}
    assert set(jobs) == {f"every:{SWEEP}", "every:serene.payments.tasks.payment_reconcile", f"at-start:{AT_START}"}
    sweep = jobs[f"every:{SWEEP}"]
    assert isinstance(sweep.trigger, IntervalTrigger) and sweep.trigger.interval.total_seconds() == 120
    assert sweep.kwargs == {"task_path": SWEEP}
    assert jobs["every:serene.payments.tasks.payment_reconcile"].trigger.interval.total_seconds() == 3600
    assert isinstance(jobs[f"at-start:{AT_START}"].trigger, DateTrigger)


def test_the_default_schedule_sweeps_payments_completes_sessions_ends_approvals_sends_mail_and_sweeps_once_at_start(
        settings):
    schedule = {(item.task_path, item.every and item.every.total_seconds()) for item in schedule_from_settings()}
    assert schedule == {(SWEEP, settings.PAYMENTS_SWEEP_INTERVAL_SECONDS), (AT_START, None),
                        ("serene.bookings.tasks.bookings_complete_finished", 300),
                        ("serene.bookings.tasks.bookings_expire_lapsed_holds", 60),
                        ("serene.payments.tasks.approvals_expire", 300),
                        ("serene.notifications.tasks.messages_deliver_due", 30),
                        ("serene.notifications.tasks.reminders_send_due", 300),
                        ("serene.core.tasks.worker_heartbeat", settings.WORKER_HEARTBEAT_INTERVAL_SECONDS)}
    assert 60 <= settings.PAYMENTS_SWEEP_INTERVAL_SECONDS <= 600


@pytest.mark.parametrize("scheduled, message", [
    ([("serene.payments.reconciliation.payments_sweep", 60)], "is not the dotted path of a task"),
    ([("serene.no_such_module.sweep", 60)], "is not the dotted path of a task"),
    ([(SWEEP, 0)], "must be a whole number of seconds above 0"),
    ([(SWEEP, "60")], "must be a whole number of seconds above 0"),
    ([SWEEP], "are (task path, seconds) pairs"),
    ([(SWEEP, 60), (SWEEP, 120)], "names a task twice"),
])
def test_a_wrong_schedule_is_refused_with_what_is_wrong(settings, scheduled, message):
    settings.SCHEDULED_TASKS = scheduled
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        scheduler_build()


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_task_still_waiting_in_the_queue_is_not_queued_again(settings):
    from django_tasks_db.management.commands.db_worker import Worker
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert scheduled_task_enqueue(task_path=SWEEP) is True
    assert scheduled_task_enqueue(task_path=SWEEP) is False  # the worker has not run it yet
    assert DBTaskResult.objects.filter(task_path=SWEEP).count() == 1
    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test-worker", excluded_queue_names=[]).run()
    assert DBTaskResult.objects.get(task_path=SWEEP).status == "SUCCESSFUL"
    assert scheduled_task_enqueue(task_path=SWEEP) is True


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
def test_the_procfile_starts_the_scheduler_which_runs_until_stopped(tmp_path, stop):
    processes = parse_procfile((ROOT / "Procfile").read_text()).processes
    assert set(processes) == {"web", "ws", "worker", "scheduler"}
    development = parse_procfile((ROOT / "Procfile.dev").read_text()).processes  # make run's
    assert set(development) == {"web", "worker", "scheduler"}
    assert development["scheduler"] == processes["scheduler"]
    command = processes["scheduler"]
    assert command == ".venv/bin/python manage.py run_scheduler"
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DEBUG": "true", "SERENE_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "PYTHONUNBUFFERED": "1"})
    argv = command.split()
    argv[0] = sys.executable if not (ROOT / argv[0]).exists() else str(ROOT / argv[0])
    scheduler = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    signum = signal.Signals[stop]
    try:
        announced = _lines(scheduler, count=8)
        assert announced == [f"Scheduled: {SWEEP} every 180 s",
                             "Scheduled: serene.bookings.tasks.bookings_complete_finished every 300 s",
                             "Scheduled: serene.bookings.tasks.bookings_expire_lapsed_holds every 60 s",
                             "Scheduled: serene.payments.tasks.approvals_expire every 300 s",
                             "Scheduled: serene.notifications.tasks.messages_deliver_due every 30 s",
                             "Scheduled: serene.notifications.tasks.reminders_send_due every 300 s",
                             "Scheduled: serene.core.tasks.worker_heartbeat every 60 s",
                             f"Scheduled: {AT_START} at start"]
        assert scheduler.poll() is None  # still running
        # Sent as soon as the last line is read: the scheduler may not be waiting for it yet. Until the
        # signals were blocked and taken with sigwait, a signal in that moment was handled after
        # signal.pause() had begun, which then slept on, and the process never stopped.
        scheduler.send_signal(signum)
        # It finishes the job it is running first (the at-start one may still be starting up).
        returncode = scheduler.wait(timeout=60)
        assert returncode == 0
        assert _lines(scheduler, count=1) == [f"Stopping on {signal.Signals(signum).name}"]
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.wait()


def _lines(process: subprocess.Popen, *, count: int) -> list[str]:
    """The first lines the process prints; fails instead of hanging if it prints nothing for a minute."""
    printed = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while printed.count(b"\n") < count:
            assert selector.select(timeout=60), f"the scheduler printed only {printed!r}"
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                break
            printed += chunk
    return printed.decode().splitlines()[:count]
