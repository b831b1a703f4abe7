"""What Serene tells people: emails waiting in the outbox (Message) and in-app notices (Notice).

A Message row is written in the same transaction as the booking move that causes it, so a move is
never committed without its email nor an email sent for a move that rolled back. Its `key` names
the event it reports (unique), so one event gives one message however often the code that writes
it runs. Delivery (delivery.py) claims a row before sending, so two workers never send one twice.

A message whose content could not be rendered (a broken template, a bug in content.py) is still
written, as `render_failed` with the error: it keeps what it needs to be rendered again (its event,
or for a reminder its session's start, and the recipient's role), and the sweep (rerender.py) does
so with the same backoff and give-up as sending.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from serene.bookings.models import Booking, BookingEvent


class MessageStatus(models.TextChoices):
    RENDER_FAILED = "render_failed", "Could not be written: retrying"
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed: gave up"
    SKIPPED = "skipped", "Not sent: no longer applies"


class Message(models.Model):
    key = models.CharField(max_length=200, unique=True)  # the event it reports, and for whom
    kind = models.CharField(max_length=40)
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    # What the message is rendered from, kept so that a failed rendering can be done again: the
    # booking move it reports (none for a reminder), whose side of the booking it is written for, and
    # the session's start when it was written (a reminder is for that start only).
    event = models.ForeignKey(BookingEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(max_length=10, blank=True)
    session_starts_at = models.DateTimeField(null=True, blank=True)
    to_email = models.EmailField()
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # An optional calendar invite: its text and METHOD (REQUEST or CANCEL).
    ics = models.TextField(blank=True)
    ics_method = models.CharField(max_length=10, blank=True)
    message_id = models.CharField(max_length=255)  # the RFC 5322 Message-ID, the same on every attempt
    status = models.CharField(max_length=20, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    rendered_at = models.DateTimeField(null=True, blank=True)  # none while its content could not be rendered
    render_failures = models.PositiveSmallIntegerField(default=0)
    skip_reason = models.CharField(max_length=300, blank=True)  # why a message not yet rendered was dropped
    attempts = models.PositiveSmallIntegerField(default=0)  # attempts to send it
    next_attempt_at = models.DateTimeField()
    retry_until = models.DateTimeField()  # a failure after this is final (until staff resend it)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.status})"


class Notice(models.Model):
    """An in-app notification: a line in someone's notifications list until they read it."""
    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.text}"
