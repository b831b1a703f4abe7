"""Background work for payments: handle a stored webhook event; reconcile an order after its hold."""
from django_tasks import task

from . import services


@task()
def webhook_handle(event_pk: int) -> None:
    services.webhook_handle_event(event_pk=event_pk)


@task()
def payment_reconcile(order_id: str) -> None:
    services.payment_reconcile(order_id=order_id)
