"""Run the scheduler until stopped (the Procfile's `scheduler` process): it queues SCHEDULED_TASKS
every so often and SCHEDULED_TASKS_AT_START once now; `db_worker` runs them."""
import signal

from django.core.management.base import BaseCommand

from serene.core.scheduler import scheduler_build


class Command(BaseCommand):
    help = "Queue the scheduled tasks (SCHEDULED_TASKS) on time, for db_worker to run. Runs until stopped."

    def handle(self, *args, **options):
        scheduler = scheduler_build()
        names = [job.name for job in scheduler.get_jobs()]  # before start: a job run at start is gone after
        # APScheduler keeps time in threads of its own, which inherit this thread's signal mask. With
        # SIGTERM and SIGINT blocked in all of them, the kernel cannot hand the stop signal to a thread
        # that is not waiting for it (signal.pause() here would then sleep on, and the process would
        # never stop); this thread takes it with sigwait, so stopping never interrupts the scheduler
        # while it holds one of its locks.
        stop_signals = {signal.SIGTERM, signal.SIGINT}
        signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
        try:
            scheduler.start()
            for name in names:
                self.stdout.write(f"Scheduled: {name}")
            self.stdout.flush()
            received = signal.sigwait(stop_signals)
            self.stdout.write(f"Stopping on {signal.Signals(received).name}")
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=True)  # the job running now finishes; a job only enqueues
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_signals)
