"""Run the scheduler until stopped (the Procfile's `scheduler` process): it queues SCHEDULED_TASKS
every so often and SCHEDULED_TASKS_AT_START once now; `db_worker` runs them."""
import signal
import sys

from django.core.management.base import BaseCommand

from serene.core.scheduler import scheduler_build


class Command(BaseCommand):
    help = "Queue the scheduled tasks (SCHEDULED_TASKS) on time, for db_worker to run. Runs until stopped."

    def handle(self, *args, **options):
        scheduler = scheduler_build()
        names = [job.name for job in scheduler.get_jobs()]  # before start: a job run at start is gone after
        # APScheduler keeps time in its own thread; this one only waits for SIGTERM or Ctrl+C, so
        # stopping never interrupts the scheduler while it holds one of its locks.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            scheduler.start()
            for name in names:
                self.stdout.write(f"Scheduled: {name}")
            self.stdout.flush()
            while True:
                signal.pause()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=True)
