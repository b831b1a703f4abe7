"""Sweep for payments that have not reached their end, by hand (the scheduler queues the same sweep
every few minutes: see SCHEDULED_TASKS).

Each hold already queues its own reconciliation; this catches what a lost task, a worker outage
or a crash between a capture and its refund left behind.
"""
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from serene.payments.reconciliation import payments_sweep


class Command(BaseCommand):
    help = "Ask the gateway about open and stranded payments and settle them (booking or refund)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="How far back to look (default 7).")

    def handle(self, *args, days: int, **options):
        count = payments_sweep(older_than=timedelta(seconds=settings.RECONCILE_AFTER_HOLD_SECONDS),
                               within=timedelta(days=days))
        self.stdout.write(f"Reconciled {count} order(s).")
