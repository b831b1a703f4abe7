"""What notifications does when a booking changes: it subscribes to the domain events of bookings
(serene/bookings/signals.py; connected in apps.py) and writes what people are told, in the change's
own transaction, so a move is never committed without its emails and no email exists for a move
that rolled back. Bookings never import notifications.

    booking_move ─▶ booking_moved ─▶ booking_change_tell ─▶ outbox.messages_for_booking_event (emails, reminders)
                                                         └▶ notices.notices_for_booking_event (the expert's notices)

A reschedule (booking_rescheduled) and a change of the money outcome (booking_money_outcome_set)
take the same path; a booking's creation tells nobody, and history (demo data) is not news."""
from __future__ import annotations

import logging

from django.db import transaction

from serene.bookings.signals import BookingChange

from .notices import notices_for_booking_event
from .outbox import messages_for_booking_event

logger = logging.getLogger(__name__)


def booking_change_tell(sender, *, change: BookingChange, **kwargs) -> None:
    if change.history:
        return
    event = change.event
    # Each guards itself: what cannot be rendered is still written, with the error, and logged at
    # ERROR; the move goes on either way (a broken template must never undo a paid confirmation).
    messages_for_booking_event(event=event)
    try:
        with transaction.atomic():
            notices_for_booking_event(event=event)
    except Exception:  # the notice's own insert failed; its text has a fallback of its own
        logger.exception("Could not write the notice for booking event %s", event.pk)
