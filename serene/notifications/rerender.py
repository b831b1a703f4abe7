"""The mail sweep's first step: render again the messages whose rendering failed; once rendered,
each is sent as any other message (delivery.py).

A message that could not be rendered waits as `render_failed` with its error, due again after the
same doubling wait as a failed send (MAIL_RETRY_FIRST_DELAY_SECONDS, then twice that …) until its
retry_until, when it is marked failed for staff to send again. Rendering it again is one
transaction: the booking's lock first (the fixed order, so a move of the booking either waits for
this or is seen by it), then the message by one conditional UPDATE (still render_failed and due: a
second sweep, or the same one run twice, claims nothing), then a check that it still makes sense.
It is rendered from what it kept (its booking event, or for a reminder the session's start, and the
recipient's role), exactly as the event called for; if the booking has moved on since (another
status, another start) it is skipped with the reason, since a later message tells the person what
happened and this one would contradict it. Only then is it pending, and delivery claims it as usual.
"""
from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from serene.bookings.models import Booking
from serene.core.errors import NotFound
from serene.bookings.locks import lock_booking
from serene.core.locking import Busy, retry_on_lock_conflict

from . import reminders
from .delivery import retry_wait
from .event_emails import PlannedEmail, no_longer_applies, planned_emails
from .models import Message, MessageStatus
from .outbox import error_text, message_content

logger = logging.getLogger(__name__)


def messages_render_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Render again every message whose rendering failed and whose wait is over; how many were."""
    now = now or timezone.now()
    due = list(Message.objects.filter(status=MessageStatus.RENDER_FAILED, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    rendered = 0
    for message_id in due:
        try:
            rendered += message_render_again(message_id=message_id, now=now)
        except Busy:  # its booking is being changed right now: the next sweep comes back to it
            logger.info("Message %s waits for its booking's lock; the next sweep renders it", message_id)
        except Exception:  # one message's trouble must not hold up the others
            logger.exception("Could not render message %s again; the next sweep tries again", message_id)
    return rendered


@retry_on_lock_conflict
@transaction.atomic
def message_render_again(*, message_id: int, now: datetime | None = None) -> bool:
    """Render one message whose rendering failed, if it is due and nobody else is doing it; True if it
    is now waiting to be sent."""
    now = now or timezone.now()
    due = Message.objects.filter(pk=message_id, status=MessageStatus.RENDER_FAILED, next_attempt_at__lte=now)
    found = due.values("booking_id").first()
    if found is None:
        return False
    booking_id = found["booking_id"]
    if booking_id is not None:
        try:
            lock_booking(booking_id=booking_id)
        except NotFound:
            return False  # deleted this instant; the message, its booking cleared, is skipped next time
    claimed = due.update(claimed_at=now)  # the claim: a rival's UPDATE waits on the row, then matches nothing
    if not claimed:
        return False
    message = Message.objects.select_related("event", "booking__customer", "booking__expert__user").get(pk=message_id)
    planned, reason = _plan_again(message=message, now=now)
    if planned is None:
        Message.objects.filter(pk=message_id).update(status=MessageStatus.SKIPPED, skip_reason=reason[:300])
        logger.warning("Did not send the %s email %s to %s: %s", message.kind, message.pk, message.to_email, reason)
        return False
    try:
        with transaction.atomic():  # a failed query while rendering must leave this transaction usable
            email = planned.build()
            rendered = message_content(email=email, booking=message.booking, now=now, planned=planned) if email else None
    except Exception as error:
        _note_render_failure(message=message, error=error, now=now)
        return False
    if rendered is None or email is None or not email.recipient.email:  # no email, no rendering
        reason = "There is nothing to say any more." if rendered is None else "Its recipient has no email address now."
        Message.objects.filter(pk=message_id).update(status=MessageStatus.SKIPPED, skip_reason=reason)
        logger.warning("Did not send the %s email %s: %s", message.kind, message.pk, reason)
        return False
    Message.objects.filter(pk=message_id, status=MessageStatus.RENDER_FAILED).update(
        status=MessageStatus.PENDING, rendered_at=timezone.now(), next_attempt_at=now, to_email=email.recipient.email, **rendered)
    logger.info("Rendered the %s email %s to %s after %d failure(s)", message.kind, message.pk, message.to_email,
                message.render_failures)
    return True


def _plan_again(*, message: Message, now: datetime) -> tuple[PlannedEmail | None, str]:
    """How to render the message now, or None and why it should not be sent."""
    booking: Booking | None = message.booking
    if booking is None:
        return None, "Its session no longer exists."
    if message.event is not None:
        reason = no_longer_applies(event=message.event, booking=booking, session_starts_at=message.session_starts_at)
        if reason:
            return None, reason
        for planned in planned_emails(event=message.event, booking=booking):
            if (planned.kind, planned.role) == (message.kind, message.role):
                return planned, ""
        return None, "Its booking event no longer calls for this email."
    if message.kind in (reminders.DAY_BEFORE, reminders.SOON):
        reason = reminders.reminder_no_longer_applies(booking=booking, kind=message.kind,
                                                      starts_at=message.session_starts_at, now=now)
        if reason:
            return None, reason
        return reminders.planned_reminder(booking=booking, kind=message.kind, role=message.role), ""
    return None, "It records neither a booking event nor a reminder to render it from."


def _note_render_failure(*, message: Message, error: Exception, now: datetime) -> None:
    failures = message.render_failures + 1
    text = error_text(error)
    next_attempt = now + retry_wait(attempts=failures)
    if next_attempt > message.retry_until:
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, render_failures=failures, last_error=text)
        logger.error("Gave up rendering the %s email %s to %s after %d tries: %s", message.kind, message.pk,
                     message.to_email, failures, text, exc_info=error)
        return
    Message.objects.filter(pk=message.pk).update(render_failures=failures, next_attempt_at=next_attempt,
                                                 last_error=text)
    logger.warning("Could not render the %s email %s to %s (try %d, next at %s): %s", message.kind, message.pk,
                   message.to_email, failures, next_attempt.isoformat(timespec="seconds"), text)
