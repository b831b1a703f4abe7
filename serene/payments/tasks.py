"""Background work for payments: handle a stored webhook event; reconcile an order after its hold."""
from django_tasks import task

from .reconciliation import payment_reconcile as reconcile_order
from .webhooks import webhook_handle_event


@task()
def webhook_handle(event_pk: int) -> None:
    webhook_handle_event(event_pk=event_pk)


@task()
def payment_reconcile(order_id: str) -> None:
    reconcile_order(order_id=order_id)
