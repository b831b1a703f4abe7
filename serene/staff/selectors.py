"""What the operations page reads: everything that is in flight or stuck, across the apps, each through
its app's selectors. Each section is a count and its latest rows; none of it changes anything."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from serene.bookings.selectors import holds_in_flight
from serene.core.tasks import task_results_failed_since
from serene.notifications.selectors import messages_in_trouble
from serene.payments.reconciliation import payments_owing_refunds, payments_without_an_end
from serene.payments.selectors import payments_flagged, refunds_failed_since, webhook_events_unhandled

ROWS = 20
RECENT_DAYS = 7
# The money sections read the payments changed in this window, so the page costs the same however
# many payments the years have gathered (bench/scale.py); older ones are in the admin's lists.
MONEY_DAYS = 90


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    explain: str
    count: int
    rows: list
    admin_url: str
    level: str  # "alarm" (should never happen), "warn" (staff should look) or "info" (normal traffic)


def _section(key: str, title: str, explain: str, rows: QuerySet, admin_url: str, level: str) -> Section:
    return Section(key=key, title=title, explain=explain, count=rows.count(), rows=list(rows[:ROWS]),
                   admin_url=admin_url, level=level)


def operations_overview(*, now=None) -> list[Section]:
    now = now or timezone.now()
    recent = now - timedelta(days=RECENT_DAYS)
    money_since = now - timedelta(days=MONEY_DAYS)
    return [
        _section("captured-without-end", f"Captured payments without an end, last {MONEY_DAYS} days",
                 "Money captured that neither pays for a kept booking nor is being refunded. Should always be "
                 "empty; the payments sweep re-drives these.",
                 payments_without_an_end(changed_since=money_since).select_related("booking__expert__user", "booking__customer")
                 .order_by("-created_at"), "/admin/payments/payment/", "alarm"),
        _section("needs-attention", "Payments flagged for staff",
                 "The gateway failed every refund attempt. Refund them in the Razorpay Dashboard (or with the "
                 "admin action); the refund's webhook clears the flag.",
                 payments_flagged(), "/admin/payments/payment/?needs_attention__exact=1", "alarm"),
        _section("failed-refunds", f"Failed refund attempts, last {RECENT_DAYS} days",
                 "Each failed attempt is asked for again up to REFUND_ATTEMPTS times before the payment is flagged.",
                 refunds_failed_since(since=recent), "/admin/payments/refund/?status__exact=failed", "warn"),
        _section("refunds-under-way", "Refunds under way",
                 f"Money owed back that the gateway has not finished refunding yet: every refund still open, and "
                 f"the payments whose refund was decided in the last {MONEY_DAYS} days.",
                 payments_owing_refunds(changed_since=money_since).select_related("booking__customer")
                 .order_by("-updated_at"),
                 "/admin/payments/payment/", "info"),
        _section("failed-messages", "Emails that failed or could not be written",
                 "An email whose content could not be rendered (a broken template) is rendered again by the mail "
                 "sweep; one still failing after MAIL_GIVE_UP_AFTER_SECONDS is given up. Send them again from the "
                 "admin (Messages → Send again).",
                 messages_in_trouble(), "/admin/notifications/message/?trouble=stuck", "warn"),
        _section("unhandled-webhooks", "Webhook events not handled",
                 "Stored but not yet applied; the sweep re-drives them after WEBHOOK_REDRIVE_AFTER_SECONDS.",
                 webhook_events_unhandled(), "/admin/payments/webhookevent/", "warn"),
        _section("task-failures", f"Background tasks that failed, last {RECENT_DAYS} days",
                 "A task that raised (after its retries). The traceback is on the task result in the admin.",
                 task_results_failed_since(since=recent),
                 "/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED", "warn"),
        _section("holds", "Holds in flight",
                 "Customers paying right now: each holds its time until it runs out (HOLD_MINUTES).",
                 holds_in_flight(now=now), "/admin/bookings/booking/?status__exact=pending", "info"),
    ]
