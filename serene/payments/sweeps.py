"""The sweeps that run by themselves (see SCHEDULED_TASKS): settle payments that have not reached
their end, re-drive webhook events never handled, and after a restart ask the gateway about orders
whose hold is still live, so a payment captured while we were down is settled at once.

Every sweep is idempotent: each change goes through events.payment_apply or the webhook handler,
which move a payment only forward, so two sweeps at once (two schedulers, a slow worker) do no harm.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from serene.core.errors import AppError, ServiceUnavailable
from serene.core.tasks import error_is_retryable, queued_arguments

from .events import payment_apply
from .reconciliation import payments_sweep
from .gateway import GatewayPaymentStatus, get_gateway
from .models import Payment, PaymentStatus, WebhookEvent

logger = logging.getLogger(__name__)

SWEEP_WITHIN = timedelta(days=7)  # how far back a sweep looks, as `manage.py reconcile_payments` does


@dataclass(frozen=True)
class SweepReport:
    webhook_events_redriven: int
    orders_reconciled: int
    live_orders_asked: int = 0


def payments_sweep_scheduled(*, after_restart: bool = False) -> SweepReport:
    """The periodic sweep; right after a restart it also asks about orders whose hold is still live."""
    redriven = webhook_events_redrive(older_than=timedelta(seconds=settings.WEBHOOK_REDRIVE_AFTER_SECONDS),
                                      within=SWEEP_WITHIN)
    reconciled = payments_sweep(older_than=timedelta(seconds=settings.RECONCILE_AFTER_HOLD_SECONDS),
                                         within=SWEEP_WITHIN)
    asked = live_orders_settle() if after_restart else 0
    report = SweepReport(webhook_events_redriven=redriven, orders_reconciled=reconciled, live_orders_asked=asked)
    logger.info("Payments sweep%s: %s", " after restart" if after_restart else "", report)
    return report


def webhook_events_redrive(*, older_than: timedelta, within: timedelta) -> int:
    """Queue the handling of stored events still unhandled `older_than` after they arrived (the worker
    was down, or every retry failed), unless their handling is already waiting in the queue."""
    from .tasks import webhook_handle

    now = timezone.now()
    event_pks = list(WebhookEvent.objects.filter(handled_at=None, received_at__lte=now - older_than,
                                                 received_at__gte=now - within)
                     .order_by("received_at").values_list("pk", flat=True))
    if not event_pks:
        return 0
    waiting = {tuple(args) for args in queued_arguments(webhook_handle) or []}
    redriven = 0
    for event_pk in event_pks:
        if (event_pk,) in waiting:
            continue
        webhook_handle.enqueue(event_pk)
        redriven += 1
    if redriven:
        logger.warning("Re-driving %d webhook event(s) never handled", redriven)
    return redriven


def live_orders_settle(*, within: timedelta = SWEEP_WITHIN) -> int:
    """Ask the gateway about open orders that the regular sweep does not reach yet (their hold is
    live or only just over) and apply what it reports as captured or failed; an authorised payment
    is left to checkout, the webhook or the regular sweep. Returns how many orders were asked about.

    Raises ServiceUnavailable when the gateway could not be asked about some, so the task retries.
    """
    now = timezone.now()
    not_yet_swept = now - timedelta(seconds=settings.RECONCILE_AFTER_HOLD_SECONDS)
    open_orders = (Payment.objects.filter(status__in=[PaymentStatus.CREATED, PaymentStatus.ATTEMPTED],
                                          created_at__gte=now - within, booking__hold_expires_at__gt=not_yet_swept)
                   .order_by("created_at").values_list("gateway_order_id", flat=True))
    order_ids = [order_id for order_id in open_orders if order_id is not None]  # an opened order has its id
    if not order_ids:
        return 0
    unreachable = 0
    gateway = get_gateway()
    for order_id in order_ids:
        try:
            for snapshot in gateway.order_payments(order_id):
                if snapshot.status in (GatewayPaymentStatus.CAPTURED, GatewayPaymentStatus.FAILED):
                    payment_apply(snapshot=snapshot)
        except AppError as error:  # one order must not stop the others
            logger.warning("Asking about live order %s failed: %s", order_id, error.message)
            unreachable += error_is_retryable(error)
    if unreachable:
        raise ServiceUnavailable(f"The payment provider could not be asked about {unreachable} of "
                                 f"{len(order_ids)} open order(s).")
    return len(order_ids)
