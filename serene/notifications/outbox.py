"""Writes the messages a booking event calls for, in the transaction that records the event.

Each message's key names its event and recipient, so writing it again (a task run twice, a sweep
beside a timer) finds the row already there and sends nothing more. Writing never breaks the move
that caused it: the work runs in a savepoint, and a message that cannot be written is logged.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from serene.bookings.models import Booking, BookingEvent, BookingStatus, MoneyOutcome

from . import content, reminders
from .content import CUSTOMER, EXPERT, Email
from .ics import booking_ics
from .models import Message

logger = logging.getLogger(__name__)
S = BookingStatus


def messages_for_booking_event(*, event: BookingEvent) -> list[Message]:
    """The emails (and reminder timers) that a recorded booking move calls for."""
    try:
        with transaction.atomic():
            booking = (Booking.objects.select_related("customer", "expert__user").get(pk=event.booking_id))
            written = []
            for email in _emails_for(event=event, booking=booking):
                message = message_write(email=email, booking=booking,
                                        key=f"booking:{booking.pk}:event:{event.pk}:{email.kind}:{email.role}")
                if message is not None:
                    written.append(message)
            if booking.status == S.CONFIRMED and (event.moved_from or event.to_status != event.from_status):
                reminders.reminders_schedule(booking=booking, fixed_at=event.at)
            return written
    except Exception:  # never let telling people about a move undo the move itself
        logger.exception("Could not write the messages for booking event %s", event.pk)
        return []


def _emails_for(*, event: BookingEvent, booking: Booking) -> list[Email]:
    source, target = event.from_status, event.to_status
    if event.money_outcome:
        return _money_emails(event=event, booking=booking)
    if event.moved_from:
        return [content.booking_moved(booking, role=role, moved_from=event.moved_from) for role in (CUSTOMER, EXPERT)]
    if source == target or not source:
        return []
    if target == S.CONFIRMED and source in (S.PENDING, S.EXPIRED):
        return [content.booking_confirmed(booking, now=event.at, approved=False,
                                          day_before_planned=reminders.day_before_planned(booking, fixed_at=event.at)),
                content.booking_new_for_expert(booking)]
    if target == S.CONFIRMED and source == S.AWAITING_APPROVAL:
        return [content.booking_confirmed(booking, now=event.at, approved=True,
                                          day_before_planned=reminders.day_before_planned(booking, fixed_at=event.at))]
    if target == S.AWAITING_APPROVAL:
        return [content.approval_requested(booking), content.approval_pending(booking)]
    if target == S.REJECTED:
        return [content.booking_rejected(booking, reason=event.reason if event.actor != "system" else "",
                                         by_system=event.actor == "system")]
    if target == S.CANCELLED and source in (S.CONFIRMED, S.AWAITING_APPROVAL):
        refund_due = _cancellation_refund_due(event=event, booking=booking)
        reason = event.reason if not event.reason.startswith("Cancelled by the ") else ""
        return [content.booking_cancelled(booking, role=role, by_whom=event.actor, reason=reason,
                                          refund_due=refund_due, was_confirmed=source == S.CONFIRMED)
                for role in (CUSTOMER, EXPERT)]
    return []


def _cancellation_refund_due(*, event: BookingEvent, booking: Booking) -> bool:
    from serene.bookings.moves import cancellation_refund_due
    return cancellation_refund_due(booking=booking, actor=event.actor, now=event.at, status=event.from_status)


def _money_emails(*, event: BookingEvent, booking: Booking) -> list[Email]:
    outcome = event.money_outcome
    if outcome == MoneyOutcome.REFUND_PENDING and booking.status in (S.EXPIRED, S.PENDING):
        return [content.payment_time_lost(booking)]
    if outcome in (MoneyOutcome.REFUNDED_IN_FULL, MoneyOutcome.REFUNDED_IN_PART):
        refunded = _refunded_minor(booking)
        if refunded:
            return [content.refund_processed(booking, refunded_minor=refunded,
                                             in_full=outcome == MoneyOutcome.REFUNDED_IN_FULL)]
    return []


def _refunded_minor(booking: Booking) -> int:
    from serene.payments.selectors import payment_paid_for, payment_refunded_minor
    payment = payment_paid_for(booking=booking)
    return payment_refunded_minor(payment=payment) if payment else 0


def message_write(*, email: Email, booking: Booking | None, key: str, now: datetime | None = None) -> Message | None:
    """Store one message for sending (once: None if its key is already there), and queue its delivery
    for when the surrounding transaction commits."""
    if not email.recipient.email:
        return None
    written_at = timezone.now()  # due at once, whatever moment `now` (the event's) names
    now = now or written_at
    context = {"email": email, "brand": settings.BRAND_NAME, "site_url": settings.SITE_URL,
               "support_email": settings.SUPPORT_EMAIL}
    ics = ""
    if email.ics_method and booking is not None:
        ics = booking_ics(booking=booking, method=email.ics_method, zone=email.zone, stamp=now).decode()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                key=key[:200], kind=email.kind, booking=booking, recipient=email.recipient,
                to_email=email.recipient.email, subject=email.subject[:255],
                body_text=render_to_string("notifications/email.txt", context).strip() + "\n",
                body_html=render_to_string("notifications/email.html", context),
                ics=ics, ics_method=email.ics_method if ics else "",
                message_id=f"<{uuid.uuid4().hex}@{_mail_domain()}>", next_attempt_at=written_at,
                retry_until=written_at + _retry_window())
    except IntegrityError:
        return None  # already written for this event and recipient
    from .tasks import messages_deliver
    transaction.on_commit(lambda: _enqueue_delivery(messages_deliver, message.pk))
    return message


def _enqueue_delivery(task, message_id: int) -> None:
    try:
        task.enqueue([message_id])
    except Exception:  # the sweep sends it within MAIL_SWEEP_INTERVAL_SECONDS
        logger.exception("Could not queue the delivery of message %s; the sweep will send it", message_id)


def _retry_window():
    from datetime import timedelta
    return timedelta(seconds=settings.MAIL_GIVE_UP_AFTER_SECONDS)


def _mail_domain() -> str:
    address = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >")
    return address or "serene.invalid"
