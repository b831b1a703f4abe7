"""Bookings' gauges for /metrics (core/observability.py reads them at scrape time)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from .models import Booking, BookingStatus


def booking_gauges(now: datetime) -> Iterator[GaugeMetricFamily]:
    bookings = GaugeMetricFamily("serene_bookings", "Bookings by status.", labels=["status"])
    counts = dict(Booking.objects.order_by().values_list("status").annotate(n=Count("pk")))
    for status in BookingStatus.values:
        bookings.add_metric([status], counts.get(status, 0))
    yield bookings
