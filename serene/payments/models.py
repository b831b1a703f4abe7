"""Money records: a Payment per gateway order, its Refunds, and every WebhookEvent received once."""
from __future__ import annotations

from django.db import models

from serene.bookings.models import Booking
from serene.core.models import TimeStampedModel


class PaymentStatus(models.TextChoices):
    CREATED = "created", "Created"
    ATTEMPTED = "attempted", "Attempted"
    CAPTURED = "captured", "Captured"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"


class Payment(TimeStampedModel):
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payments")
    gateway_order_id = models.CharField(max_length=40, unique=True)
    # Null until a payment is made on the order; unique among those that have one.
    gateway_payment_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    amount_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    method = models.CharField(max_length=20, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_description = models.CharField(max_length=240, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    # When POST /sessions first reported this payment's booking (the brief's 201, then 200).
    session_reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.gateway_order_id} {self.status}"


class Refund(TimeStampedModel):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    gateway_refund_id = models.CharField(max_length=40, unique=True)
    amount_minor = models.PositiveIntegerField()
    reason = models.CharField(max_length=240)
    status = models.CharField(max_length=20, default="pending")

    def __str__(self) -> str:
        return f"{self.gateway_refund_id} {self.amount_minor}"


class WebhookEvent(models.Model):
    gateway_event_id = models.CharField(max_length=60, unique=True)
    event_type = models.CharField(max_length=60)
    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=240, blank=True)

    def __str__(self) -> str:
        return f"{self.gateway_event_id} {self.event_type}"
