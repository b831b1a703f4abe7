"""Sends the outbox through Django's email backend: each message once, and none lost.

A worker claims a message with one conditional UPDATE (pending → sending) before it talks to the
mail server, so a task run twice, or two workers on one queue, send it once: the second finds
nothing to claim. A failed attempt puts it back with a doubling wait (MAIL_RETRY_FIRST_DELAY_SECONDS,
then twice that …) until its retry_until, then marks it failed for staff to resend. A worker that
dies mid-send leaves its claim; after MAIL_SENDING_LEASE_SECONDS the sweep puts the message back
(the one case where a message may go out twice: sent, then the worker died before noting it).
Only a rendered message is ever pending: one whose rendering failed waits as render_failed until
the sweep has rendered it (rerender.py).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import timezone

from serene.core.email_config import AUTOMATIC_EMAIL_HEADERS

from .models import Message, MessageStatus

logger = logging.getLogger(__name__)


def message_as_email(message: Message) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(subject=message.subject, body=message.body_text, to=[message.to_email],
                                   from_email=settings.DEFAULT_FROM_EMAIL,
                                   headers={"Message-ID": message.message_id, "Reply-To": settings.SUPPORT_EMAIL,
                                            **AUTOMATIC_EMAIL_HEADERS})
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    if message.ics:
        part = MIMEText(message.ics, "calendar", "utf-8")
        part.set_param("method", message.ics_method)
        part.add_header("Content-Disposition", "attachment", filename="invite.ics")
        email.attach(part)
    return email


def message_deliver(*, message_id: int, now: datetime | None = None) -> bool:
    """Send one message if it is due and nobody else is sending it; True if it went out now."""
    now = now or timezone.now()
    claimed = (Message.objects.filter(pk=message_id, status=MessageStatus.PENDING, next_attempt_at__lte=now)
               .update(status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1))
    if not claimed:
        return False
    message = Message.objects.get(pk=message_id)
    try:
        with get_connection(fail_silently=False) as connection:
            sent = connection.send_messages([message_as_email(message)])
        if not sent:
            raise RuntimeError("The email backend accepted nothing.")
    except Exception as error:  # the mail server refused or could not be reached: try again later
        _note_failure(message=message, error=error, now=now)
        return False
    Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(status=MessageStatus.SENT, sent_at=timezone.now(), last_error="")
    logger.info("Sent %s message %s to %s", message.kind, message.pk, message.to_email)
    return True


def retry_wait(*, attempts: int) -> timedelta:
    """The wait after failed attempt number `attempts`: 30 s, 1 min, 2 min, 4 min … by default."""
    return timedelta(seconds=settings.MAIL_RETRY_FIRST_DELAY_SECONDS * 2 ** (max(attempts, 1) - 1))


def _note_failure(*, message: Message, error: Exception, now: datetime) -> None:
    text = f"{type(error).__name__}: {error}"[:2000]
    next_attempt = now + retry_wait(attempts=message.attempts)
    if next_attempt > message.retry_until:
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(status=MessageStatus.FAILED, last_error=text)
        logger.error("Gave up on %s message %s to %s after %d attempts: %s", message.kind, message.pk,
                     message.to_email, message.attempts, text)
        return
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(status=MessageStatus.PENDING, next_attempt_at=next_attempt,
                                                                   last_error=text)
    logger.warning("Could not send %s message %s (attempt %d, next at %s): %s", message.kind, message.pk,
                   message.attempts, next_attempt.isoformat(timespec="seconds"), text)


def messages_deliver_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """The sweep: render again the messages whose rendering failed (rerender.py), take back claims a
    dead worker left, then send every message that is due."""
    from .rerender import messages_render_due
    now = now or timezone.now()
    messages_render_due(now=now, limit=limit)
    lease = now - timedelta(seconds=settings.MAIL_SENDING_LEASE_SECONDS)
    stale = Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=lease)
    for message in stale:
        _note_failure(message=message, error=RuntimeError("The worker sending it stopped before it finished."), now=now)
    due = list(Message.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    return sum(message_deliver(message_id=message_id, now=now) for message_id in due)


def messages_resend(*, message_ids: list[int], now: datetime | None = None) -> int:
    """Staff send failed (or sent) messages again: each gets a fresh retry window. One never rendered
    (failed, or still retrying) is due to be rendered again at once, then sent."""
    now = now or timezone.now()
    window = timedelta(seconds=settings.MAIL_GIVE_UP_AFTER_SECONDS)
    chosen = Message.objects.filter(pk__in=message_ids)
    rendered = (chosen.filter(Q(status=MessageStatus.FAILED) | Q(status=MessageStatus.SENT), rendered_at__isnull=False)
                .update(status=MessageStatus.PENDING, next_attempt_at=now, retry_until=now + window, attempts=0, last_error=""))
    unrendered = (chosen.filter(Q(status=MessageStatus.FAILED) | Q(status=MessageStatus.RENDER_FAILED), rendered_at__isnull=True)
                  .update(status=MessageStatus.RENDER_FAILED, next_attempt_at=now, retry_until=now + window, render_failures=0))
    return rendered + unrendered
