"""Background work for payments: handle a stored webhook event; reconcile an order after its hold;
the sweeps the scheduler queues (SCHEDULED_TASKS), including declining and refunding bookings the
expert never approved. Gateway and lock failures are retried with backoff."""
from dataclasses import asdict

from django_tasks import task

from serene.core.tasks import retrying_task

from . import sweeps
from .cancellations import approvals_expire as approvals_expire_now
from .reconciliation import payment_reconcile as reconcile_order
from .webhooks import webhook_handle_event


@retrying_task()
def webhook_handle(event_pk: int) -> None:
    webhook_handle_event(event_pk=event_pk)


@retrying_task()
def payment_reconcile(order_id: str) -> None:
    reconcile_order(order_id=order_id)


@task()
def payments_sweep() -> dict:
    """Every few minutes; a failed run is simply followed by the next one."""
    return asdict(sweeps.payments_sweep_scheduled())


@retrying_task()
def payments_sweep_after_restart() -> dict:
    """Once when the scheduler starts; retried while the gateway cannot be reached (it may be starting too)."""
    return asdict(sweeps.payments_sweep_scheduled(after_restart=True))


@task()
def approvals_expire() -> int:
    """Every few minutes (APPROVAL_SWEEP_INTERVAL_SECONDS): bookings the expert did not approve by
    APPROVAL_DEADLINE_HOURS before their start are declined and refunded; the next run takes up any
    refund the gateway could not make now (as does the payments sweep)."""
    return approvals_expire_now()
