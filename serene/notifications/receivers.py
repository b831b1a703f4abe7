"""Bookings record every move as a BookingEvent; this app listens and writes what people are told,
in the same transaction. Bookings never import notifications."""
from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from serene.bookings.models import BookingEvent

logger = logging.getLogger(__name__)


@receiver(post_save, sender=BookingEvent, dispatch_uid="notifications_for_booking_event")
def _booking_event_recorded(sender, instance: BookingEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    from .notices import notices_for_booking_event
    from .outbox import messages_for_booking_event
    # Each guards itself: what cannot be rendered is still written, with the error, and logged at
    # ERROR; the move goes on either way (a broken template must never undo a paid confirmation).
    messages_for_booking_event(event=instance)
    try:
        with transaction.atomic():
            notices_for_booking_event(event=instance)
    except Exception:  # the notice's own insert failed; its text has a fallback of its own
        logger.exception("Could not write the notice for booking event %s", instance.pk)
