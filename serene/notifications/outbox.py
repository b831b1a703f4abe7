"""Writes the messages a booking event calls for, in the transaction that records the event.

Each message's key names its event and recipient, so writing it again (a task run twice, a sweep
beside a timer) finds the row already there and sends nothing more. Writing never breaks the move
that caused it, and never loses a message without a trace: which messages an event calls for is
decided first (event_emails.py); each is then rendered and written in its own savepoint, and one
that cannot be rendered (a broken template, a bug in content.py) is written all the same, as
`render_failed` with the error, logged at ERROR, for the sweep to render again (rerender.py).
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from serene.accounts.models import User
from serene.bookings.models import Booking, BookingEvent, BookingStatus

from . import reminders
from .content import CUSTOMER, Email
from .delivery import retry_wait
from .event_emails import PlannedEmail, planned_emails
from .ics import booking_ics
from .models import Message, MessageStatus

logger = logging.getLogger(__name__)


def messages_for_booking_event(*, event: BookingEvent) -> list[Message]:
    """The emails (and reminder timers) that a recorded booking move calls for."""
    try:
        with transaction.atomic():
            booking = Booking.objects.select_related("customer", "expert__user").get(pk=event.booking_id)
            written = []
            for planned in planned_emails(event=event, booking=booking):
                message = message_record(planned=planned, booking=booking, event=event,
                                         key=event_message_key(event=event, kind=planned.kind, role=planned.role))
                if message is not None:
                    written.append(message)
    except Exception:  # a bug outside any one message's rendering; never let it undo the move itself
        logger.exception("Could not write the messages for booking event %s: none was written", event.pk)
        return []
    if booking.status == BookingStatus.CONFIRMED and (event.moved_from or event.to_status != event.from_status):
        try:  # apart from the messages, so a failure here cannot take them back; the reminder sweep covers it
            reminders.reminders_schedule(booking=booking, fixed_at=event.at)
        except Exception:
            logger.exception("Could not queue the reminder timers of booking %s; the reminder sweep writes them",
                             booking.pk)
    return written


def event_message_key(*, event: BookingEvent, kind: str, role: str) -> str:
    return f"booking:{event.booking_id}:event:{event.pk}:{kind}:{role}"


def message_record(*, planned: PlannedEmail, booking: Booking, key: str, event: BookingEvent | None = None,
                   now: datetime | None = None) -> Message | None:
    """Render and store one message for sending, once (None if its key is there already, or there is
    nothing to say). A message that cannot be rendered is stored unrendered, with the error."""
    recipient = recipient_for(booking=booking, role=planned.role)
    if not recipient.email:
        return None
    stage = "render"
    try:
        with transaction.atomic():  # a failed query while rendering must not spoil the move's transaction
            email = planned.build()
            if email is None:
                return None
            rendered = message_content(email=email, booking=booking, now=now, planned=planned)
            stage = "write"
            message = _insert(key=key, booking=booking, event=event, recipient=recipient, kind=planned.kind,
                              role=planned.role, **rendered)
    except Exception as error:
        if stage == "write" and isinstance(error, IntegrityError):
            return None  # already written for this event and recipient
        if stage == "write":
            raise
        return _record_render_failure(planned=planned, booking=booking, event=event, key=key, recipient=recipient,
                                      error=error)
    _deliver_on_commit(message.pk)
    return message


def message_write(*, email: Email, booking: Booking | None, key: str, now: datetime | None = None) -> Message | None:
    """Store one message already composed (not from a booking event), once; None if its key is there."""
    if not email.recipient.email:
        return None
    rendered = message_content(email=email, booking=booking, now=now)
    try:
        with transaction.atomic():
            message = _insert(key=key, booking=booking, event=None, recipient=email.recipient, kind=email.kind,
                              role=email.role, **rendered)
    except IntegrityError:
        return None
    _deliver_on_commit(message.pk)
    return message


def recipient_for(*, booking: Booking, role: str) -> User:
    return booking.customer if role == CUSTOMER else booking.expert.user


def message_content(*, email: Email, booking: Booking | None, now: datetime | None = None,
                    planned: PlannedEmail | None = None) -> dict[str, str]:
    """The stored content of a message: subject, text and HTML bodies, and its invite if it has one."""
    if planned is not None and (email.kind, email.role) != (planned.kind, planned.role):
        raise ValueError(f"Planned a {planned.kind} email for the {planned.role} but composed a {email.kind} "
                         f"one for the {email.role}.")
    context = {"email": email, "brand": settings.BRAND_NAME, "site_url": settings.SITE_URL,
               "support_email": settings.SUPPORT_EMAIL}
    ics = ""
    if email.ics_method and booking is not None:
        ics = booking_ics(booking=booking, method=email.ics_method, zone=email.zone, stamp=now or timezone.now()).decode()
    return {"subject": email.subject[:255],
            "body_text": render_to_string("notifications/email.txt", context).strip() + "\n",
            "body_html": render_to_string("notifications/email.html", context),
            "ics": ics, "ics_method": email.ics_method if ics else ""}


def error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _insert(*, key: str, booking: Booking | None, event: BookingEvent | None, recipient: User, kind: str, role: str,
            **content: str) -> Message:
    written_at = timezone.now()  # due at once, whatever moment the event names
    return Message.objects.create(
        key=key[:200], kind=kind, role=role, booking=booking, event=event, recipient=recipient,
        session_starts_at=booking.starts_at if booking is not None else None, to_email=recipient.email,
        message_id=_new_message_id(), rendered_at=written_at, next_attempt_at=written_at,
        retry_until=written_at + _retry_window(), **content)


def _record_render_failure(*, planned: PlannedEmail, booking: Booking, event: BookingEvent | None, key: str,
                           recipient: User, error: Exception) -> Message | None:
    """Store the message unrendered, due for the sweep after the first retry wait, and log the error
    with its traceback."""
    written_at = timezone.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                key=key[:200], kind=planned.kind, role=planned.role, booking=booking, event=event,
                recipient=recipient, session_starts_at=booking.starts_at, to_email=recipient.email, subject="",
                body_text="", message_id=_new_message_id(), status=MessageStatus.RENDER_FAILED, render_failures=1,
                next_attempt_at=written_at + retry_wait(attempts=1), retry_until=written_at + _retry_window(),
                last_error=error_text(error))
    except IntegrityError:  # written before, by an earlier run for this event
        logger.error("Could not render the %s email %s again (it is recorded already)", planned.kind, key,
                     exc_info=error)
        return None
    logger.error("Could not render the %s email to the %s of booking %s (message %s); it is recorded and the "
                 "sweep renders it again", planned.kind, planned.role, booking.pk, message.pk, exc_info=error)
    return message


def _deliver_on_commit(message_id: int) -> None:
    from .tasks import messages_deliver
    transaction.on_commit(lambda: _enqueue_delivery(messages_deliver, message_id))


def _enqueue_delivery(task, message_id: int) -> None:
    try:
        task.enqueue([message_id])
    except Exception:  # the sweep sends it within MAIL_SWEEP_INTERVAL_SECONDS
        logger.exception("Could not queue the delivery of message %s; the sweep will send it", message_id)


def _retry_window() -> timedelta:
    return timedelta(seconds=settings.MAIL_GIVE_UP_AFTER_SECONDS)


def _new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{_mail_domain()}>"


def _mail_domain() -> str:
    address = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >")
    return address or "serene.invalid"
