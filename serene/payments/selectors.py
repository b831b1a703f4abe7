"""Reads of payments."""
from __future__ import annotations

from django.utils import timezone

from serene.bookings.models import Booking, BookingStatus

from .models import Payment, PaymentStatus


def payment_retryable_for(*, booking: Booking) -> Payment | None:
    """The open gateway order a customer may pay again on: only while the booking's hold lives."""
    if booking.status != BookingStatus.PENDING or not booking.hold_expires_at or booking.hold_expires_at <= timezone.now():
        return None
    return (booking.payments.filter(status__in=[PaymentStatus.CREATED, PaymentStatus.ATTEMPTED])
            .order_by("created_at").first())
