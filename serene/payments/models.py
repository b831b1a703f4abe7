"""Money records: a Payment per gateway order (and per stray capture) with its moves, its Refunds with
theirs, every WebhookEvent received once, and the GatewayCall log of every call made to the gateway."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from serene.bookings.models import Booking
from serene.core.models import TimeStampedModel


class PaymentStatus(models.TextChoices):
    CREATING = "creating", "Opening the order"  # claimed; the gateway order is being created
    CREATED = "created", "Created"
    ATTEMPTED = "attempted", "Attempted"
    CAPTURED = "captured", "Captured"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"


OPEN_STATUSES = (PaymentStatus.CREATING, PaymentStatus.CREATED, PaymentStatus.ATTEMPTED)
# Money reached us: such a payment ends in a kept booking or in refunds.
MONEY_MOVED_STATUSES = (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)


class Payment(TimeStampedModel):
    """One gateway order opened for a booking, and the payment captured on it.

    A *stray* is a captured payment the booking never asked for: a second capture on the same order,
    or one whose amount or currency differs from the order's. It gets its own row (stray_of points to
    the order's row) so the sweep finds it, and it is always refunded in full.
    """
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payments")
    # Null while the order is being created (status creating).
    gateway_order_id = models.CharField(max_length=40, null=True, blank=True)
    receipt = models.CharField(max_length=40, blank=True)
    # Null until a payment is made on the order; unique among those that have one.
    gateway_payment_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    stray_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="strays")
    amount_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    method = models.CharField(max_length=20, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_description = models.CharField(max_length=240, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    # Why this payment's money goes back in full; blank while it pays for a kept booking.
    refund_reason = models.CharField(max_length=240, blank=True)
    # Set when the automatic path gave up (the gateway kept failing a refund): staff take it from here.
    needs_attention = models.BooleanField(default=False)
    attention_reason = models.CharField(max_length=240, blank=True)
    # When POST /sessions first reported this payment's booking (the brief's 201, then 200).
    session_reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"]),
                   # The operations page reads the payments changed lately (reconciliation.py).
                   models.Index(fields=["updated_at"], name="payment_updated_idx"),
                   # The flagged few, newest first, read without a scan on either database.
                   models.Index(fields=["updated_at"], condition=Q(needs_attention=True),
                                name="payment_flagged_idx")]
        constraints = [
            models.UniqueConstraint(fields=["gateway_order_id"], condition=Q(stray_of__isnull=True),
                                    name="payment_one_row_per_order"),
            # A double click cannot open two orders for one hold.
            models.UniqueConstraint(fields=["booking"], condition=Q(status__in=OPEN_STATUSES, stray_of__isnull=True),
                                    name="payment_one_open_order_per_booking"),
        ]

    def __str__(self) -> str:
        return f"{self.gateway_order_id or 'order being opened'} {self.status}"


class PaymentSource(models.TextChoices):
    """What moved a payment (the allowed moves, and which of these may make each, are in payment_lifecycle.py)."""
    CHECKOUT = "checkout", "Checkout"                  # opening the gateway order
    GATEWAY = "gateway", "The payment provider"        # what the gateway reported (verify, webhook, reconciliation)
    REFUNDS = "refunds", "Its refunds"                 # what its refunds add up to
    DEMO = "demo", "Demo data"                         # seed_demo's paid sessions
    EARLIER = "earlier", "Before the timeline"         # its status when payments began recording moves


class PaymentEvent(models.Model):
    """One recorded move of a payment: its timeline (from blank for its creation)."""
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=PaymentSource.choices)
    reason = models.CharField(max_length=240, blank=True)

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class RefundStatus(models.TextChoices):
    CREATED = "created", "Created"      # asked for (or under way at the gateway)
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"


class Refund(TimeStampedModel):
    """One refund of a payment. Serene's own are claimed (with their receipt) before the gateway is
    asked, so a crash in between is found and matched; `external` ones were made elsewhere (the
    Razorpay Dashboard). The allowed moves between statuses live in refund_lifecycle.py."""
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    # Null while Serene's request to the gateway is in flight.
    gateway_refund_id = models.CharField(max_length=40, unique=True, null=True, blank=True)
    receipt = models.CharField(max_length=40, unique=True, null=True, blank=True)
    amount_minor = models.PositiveIntegerField()
    reason = models.CharField(max_length=240)
    status = models.CharField(max_length=20, choices=RefundStatus.choices, default=RefundStatus.CREATED)
    external = models.BooleanField(default=False)
    # An external refund that cancelled its booking (still kept when the refund was seen): from then on
    # the booking's money is staff's decision, and Serene refunds nothing more of it.
    cancelled_booking = models.BooleanField(default=False)
    failure_reason = models.CharField(max_length=240, blank=True)

    class Meta:
        ordering = ("created_at", "id")  # a payment's refunds in the order they were asked for
        # The refunds still on their way, and those that failed lately, found without reading every
        # refund ever made (reconciliation.py, the operations page).
        indexes = [models.Index(fields=["status", "updated_at"], name="refund_status_time_idx")]

    def __str__(self) -> str:
        return f"{self.gateway_refund_id or self.receipt} {self.amount_minor} {self.status}"


class RefundEvent(models.Model):
    """One recorded move of a refund: its timeline."""
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)  # blank for the refund's creation
    to_status = models.CharField(max_length=20)
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=240, blank=True)

    class Meta:
        ordering = ("at", "id")


class WebhookEvent(models.Model):
    gateway_event_id = models.CharField(max_length=60, unique=True)
    event_type = models.CharField(max_length=60)
    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=240, blank=True)

    def __str__(self) -> str:
        return f"{self.gateway_event_id} {self.event_type}"


class GatewayCall(models.Model):
    """One call Serene made to the payment gateway: what, about which order/payment/refund, how it
    ended and how long it took. Support reads it to answer "what happened to my money"."""
    at = models.DateTimeField(default=timezone.now, db_index=True)
    operation = models.CharField(max_length=30)
    order_id = models.CharField(max_length=40, blank=True, db_index=True)
    payment_id = models.CharField(max_length=40, blank=True, db_index=True)
    refund_id = models.CharField(max_length=40, blank=True, db_index=True)
    amount_minor = models.PositiveIntegerField(null=True, blank=True)
    succeeded = models.BooleanField()
    result = models.CharField(max_length=240, blank=True)
    error = models.CharField(max_length=240, blank=True)
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ("-at", "-id")

    def __str__(self) -> str:
        return f"{self.operation} {self.order_id or self.payment_id} {'ok' if self.succeeded else 'failed'}"
