"""The booking ledger (the brief's "session"): who meets whom, when, for how much, in what state,
and the timeline of every move it made (BookingEvent). The allowed moves live in lifecycle.py.

Invariant 1 (no double booking) is a database guarantee: on PostgreSQL an exclusion constraint over
(expert, [starts_at, blocked_until)) for the blocking statuses, added by migration 0002; on SQLite
the IMMEDIATE transaction around booking_hold's check-and-insert. Invariant 9 (a customer is in one
session at a time) is kept the same way: the exclusion constraint booking_customer_no_overlap over
(customer, [starts_at, ends_at)), added by migration 0009, and the customer's row lock on SQLite.
"""
from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from serene.core.models import TimeStampedModel
from serene.experts.models import Expert


def new_room_id() -> str:
    return secrets.token_urlsafe(24)


class BookingStatus(models.TextChoices):
    PENDING = "pending", "Pending payment"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no-show", "No-show"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class MoneyOutcome(models.TextChoices):
    """What became of the money of a booking that did not go ahead (blank while none is due back)."""
    NONE = "", "Not applicable"
    REFUND_PENDING = "refund_pending", "Refund under way"
    REFUNDED_IN_FULL = "refunded_in_full", "Refunded in full"
    REFUNDED_IN_PART = "refunded_in_part", "Refunded in part"
    NOT_REFUNDED = "not_refunded", "Not refunded"
    REFUND_FAILED = "refund_failed", "Refund failed: with staff"


class Actor(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    EXPERT = "expert", "Expert"
    STAFF = "staff", "Staff"
    SYSTEM = "system", "System"


class Booking(TimeStampedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="bookings")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # ends_at plus the expert's buffer at booking time: the end of the time this booking blocks.
    blocked_until = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    price_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="INR")
    status = models.CharField(max_length=20, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    customer_time_zone = models.CharField(max_length=64, blank=True)
    # What the customer would like to talk about, shown to the expert.
    customer_note = models.TextField(max_length=1000, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    cancellation_reason = models.CharField(max_length=240, blank=True)
    money_outcome = models.CharField(max_length=20, choices=MoneyOutcome.choices, blank=True, default=MoneyOutcome.NONE)
    reschedule_count = models.PositiveSmallIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    review = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)  # set once, with the rating (reviews.py)
    # The video room's unguessable id, given at creation (older rows get one the first time it is needed).
    video_room = models.CharField(max_length=64, blank=True, default=new_room_id)
    # True only for a booking that already overlapped another of its customer's when the one-session-
    # at-a-time rule came (migration 0009): the database constraint leaves it out, so the migration
    # never fails or cancels a paid session; the services still count it as busy time.
    customer_overlap_grandfathered = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ("starts_at",)
        # The pages' reads (docs/architecture.md, "Bounded lists"): the dashboard's lists by state and
        # time; the expert's and customer's sessions pages in time order over every listed state, read
        # newest or soonest first a page at a time (the id breaks ties, as the keyset does); reviews.
        indexes = [
            models.Index(fields=["expert", "status", "starts_at"]),
            models.Index(fields=["expert", "starts_at", "id"], name="booking_expert_time_idx"),
            models.Index(fields=["customer", "starts_at", "id"], name="booking_customer_time_idx"),
            models.Index(fields=["expert", "reviewed_at", "id"], name="booking_expert_reviews_idx",
                         condition=Q(reviewed_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="booking_starts_before_it_ends"),
            models.CheckConstraint(condition=Q(blocked_until__gte=F("ends_at")), name="booking_block_covers_session"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="booking_rating_one_to_five"),
            # A rating exists exactly when the review was given (once; reviews.py).
            models.CheckConstraint(condition=Q(rating__isnull=True, reviewed_at__isnull=True)
                                   | Q(rating__isnull=False, reviewed_at__isnull=False),
                                   name="booking_rating_with_review_time"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} with {self.customer} at {self.starts_at:%Y-%m-%d %H:%M} UTC ({self.status})"


class BookingEvent(models.Model):
    """One recorded move of a booking (or a change of its money outcome): the booking's timeline."""
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)  # blank for the booking's creation
    to_status = models.CharField(max_length=20)
    money_outcome = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=10, choices=Actor.choices)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    reason = models.CharField(max_length=240, blank=True)
    # A reschedule: the start the booking had before this move (its new one is on the booking).
    moved_from = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("at", "id")
        indexes = [models.Index(fields=["booking", "at"])]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status or 'new'} -> {self.to_status} by {self.actor}"
