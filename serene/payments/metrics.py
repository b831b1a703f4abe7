"""Payments' and refunds' gauges for /metrics (core/observability.py reads them at scrape time)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count, Sum
from prometheus_client.core import GaugeMetricFamily

from .models import Payment, PaymentStatus, Refund, RefundStatus


def payment_gauges(now: datetime) -> Iterator[GaugeMetricFamily]:
    payments = GaugeMetricFamily("serene_payments", "Payments (gateway orders and stray captures) by status.",
                                 labels=["status"])
    counts = dict(Payment.objects.order_by().values_list("status").annotate(n=Count("pk")))
    for status in PaymentStatus.values:
        payments.add_metric([status], counts.get(status, 0))
    yield payments
    yield GaugeMetricFamily("serene_payments_needing_attention",
                            "Payments whose refund failed every attempt: staff must act.",
                            value=Payment.objects.filter(needs_attention=True).count())
    yield GaugeMetricFamily("serene_payments_owed_back",
                            "Captured payments owed back in full whose refunds are not yet processed.",
                            value=Payment.objects.exclude(refund_reason="").filter(status=PaymentStatus.CAPTURED).count())

    refunds = GaugeMetricFamily("serene_refunds", "Refunds by status.", labels=["status"])
    refunded = GaugeMetricFamily("serene_refunds_amount_minor", "Sum of refunds by status, in minor units.",
                                 labels=["status", "currency"])
    counts = dict(Refund.objects.order_by().values_list("status").annotate(n=Count("pk")))
    for status in RefundStatus.values:
        refunds.add_metric([status], counts.get(status, 0))
    for status, currency, amount in (Refund.objects.order_by().values_list("status", "payment__currency")
                                     .annotate(total=Sum("amount_minor"))):
        refunded.add_metric([status, currency], amount or 0)
    yield refunds
    yield refunded
