"""Who was in a session's room and when: one row per connection, so staff can check "the expert
never came". Kept apart from BookingEvent, which records the booking's moves (the timeline)."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from serene.bookings.models import Booking


class RoomRole(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    EXPERT = "expert", "Expert"


class RoomVisit(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="room_visits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=RoomRole.choices)
    joined_at = models.DateTimeField()
    # Blank while connected, or when the web process stopped before it could write the leave.
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("joined_at", "id")
        indexes = [models.Index(fields=["booking", "joined_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(left_at__isnull=True)
                                              | models.Q(left_at__gte=models.F("joined_at")),
                                              name="room_visit_leaves_after_joining")]

    def __str__(self) -> str:
        return f"{self.role} in {self.booking_id} from {self.joined_at:%Y-%m-%d %H:%M:%S}"
