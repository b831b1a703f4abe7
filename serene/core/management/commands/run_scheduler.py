"""Run the scheduler in the foreground (the Procfile's `scheduler` process): it queues SCHEDULED_TASKS
every so often and SCHEDULED_TASKS_AT_START once now; `db_worker` runs them."""
import signal
import sys

from django.core.management.base import BaseCommand

from serene.core.scheduler import scheduler_build


class Command(BaseCommand):
    help = "Queue the scheduled tasks (SCHEDULED_TASKS) on time, for db_worker to run. Runs until stopped."

    def handle(self, *args, **options):
        scheduler = scheduler_build()
        for job in scheduler.get_jobs():
            self.stdout.write(f"Scheduled: {job.name}")
        self.stdout.flush()
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
