"""Reconciliation: ask the gateway about an order, and the sweep that re-drives every payment that
may not have reached its end (a lost webhook, a closed tab, a crash between a capture and its
refund, a refund the gateway has not finished or has failed)."""
from __future__ import annotations

import logging
from functools import partial
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from serene.bookings.lifecycle import PAID_AND_KEPT_STATUSES
from serene.bookings.models import MoneyOutcome
from serene.core.errors import AppError

from .checkout import order_claims_clear_stale
from .events import payment_apply, payment_sync
from .gateway import GatewayPaymentStatus, get_gateway
from .models import MONEY_MOVED_STATUSES, Payment, PaymentStatus, Refund, RefundStatus
from .refund_lifecycle import LIVE_STATUSES
from .refunds import payment_refund_settle

logger = logging.getLogger(__name__)


def payment_reconcile(*, order_id: str) -> None:
    """Ask the gateway for an order's payments and apply any we have not seen (lost webhook, closed tab)."""
    for snapshot in get_gateway().order_payments(order_id):
        if snapshot.status == GatewayPaymentStatus.AUTHORIZED:
            payment_sync(gateway_payment_id=snapshot.id)
        else:
            payment_apply(snapshot=snapshot)


def payments_owing_refunds(*, changed_since: datetime | None = None) -> QuerySet[Payment]:
    """Payments whose money is owed back and not all refunded yet, or that have a refund still open.

    changed_since narrows the first half to payments changed since then (a read for a page: the sum
    is then over a bounded number of payments, not every refund ever made; owing a refund changes the
    payment). Open refunds are few whatever the history, and read through the (status, updated_at) index."""
    changed = Q() if changed_since is None else Q(updated_at__gte=changed_since)
    live = Coalesce(Sum("refunds__amount_minor", filter=Q(refunds__status__in=LIVE_STATUSES)), 0)
    owing = (Payment.objects.filter(changed, status__in=MONEY_MOVED_STATUSES, needs_attention=False)
             .exclude(refund_reason="").annotate(live=live).filter(live__lt=F("amount_minor")).values("pk"))
    open_refunds = Refund.objects.filter(status=RefundStatus.CREATED).values("payment_id")
    # One subquery of both id sets (a UNION), not an OR of two: PostgreSQL answers an OR of IN
    # subqueries by reading every payment and probing both.
    return Payment.objects.filter(pk__in=owing.union(open_refunds.order_by()))


def payments_without_an_end(*, changed_since: datetime | None = None) -> QuerySet[Payment]:
    """Captured money that is neither paying for a kept booking nor owed back (invariant 3 says: none).

    An audit for staff: a captured payment whose booking is not kept (and was not cancelled too late
    for a refund), or a stray capture, with no refund decided. Fully refunded payments have ended.
    changed_since narrows it to payments changed since then (the operations page's bounded read)."""
    changed = Q() if changed_since is None else Q(updated_at__gte=changed_since)
    return (Payment.objects.filter(changed, status__in=[PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED],
                                   refund_reason="")
            .filter(Q(stray_of__isnull=False) | ~Q(booking__status__in=PAID_AND_KEPT_STATUSES))
            .exclude(Q(stray_of__isnull=True) & Q(booking__money_outcome=MoneyOutcome.NOT_REFUNDED)))


def payments_sweep(*, older_than: timedelta, within: timedelta = timedelta(days=7)) -> int:
    """Re-drive every payment that may not have reached its end; return how many were looked at.

    Open orders whose hold ran out at least `older_than` ago; captured payments whose booking is not
    kept and that nothing decided about yet; payments owing refunds (or with refunds still open);
    and order claims left behind by a crash.
    """
    now = timezone.now()
    recent = Q(created_at__gte=now - within)
    # An order nobody paid is asked about for OPEN_ORDER_SWEEP_HOURS after its hold ended, not for the
    # whole window: abandoned orders pile up, and a payment made later still arrives by webhook.
    open_orders = Payment.objects.filter(recent, status__in=[PaymentStatus.CREATED, PaymentStatus.ATTEMPTED],
                                         stray_of=None, booking__hold_expires_at__lte=now - older_than,
                                         booking__hold_expires_at__gte=now - timedelta(hours=settings.OPEN_ORDER_SWEEP_HOURS))
    undecided = (Payment.objects.filter(recent, status=PaymentStatus.CAPTURED, stray_of=None, refund_reason="",
                                        booking__money_outcome__in=[MoneyOutcome.NONE, MoneyOutcome.REFUND_PENDING])
                 .exclude(booking__status__in=PAID_AND_KEPT_STATUSES))
    order_ids = sorted(order_id for order_id in (set(open_orders.values_list("gateway_order_id", flat=True))
                                                 | set(undecided.values_list("gateway_order_id", flat=True)))
                       if order_id is not None)  # an opened order has the gateway's id
    owing = list(payments_owing_refunds().filter(recent).values_list("pk", flat=True))
    for order_id in order_ids:
        _quietly(f"Reconciling order {order_id}", partial(payment_reconcile, order_id=order_id))
    for payment_id in owing:
        _quietly(f"Settling refunds of payment row {payment_id}",
                 partial(payment_refund_settle, payment_id=payment_id, sync=True))
    cleared = order_claims_clear_stale()
    return len(order_ids) + len(owing) + cleared


def _quietly(what: str, work) -> None:
    try:
        work()
    except AppError as error:  # one unreachable order must not stop the sweep
        logger.warning("%s failed: %s", what, error.message)
