"""Delivery loses nothing and doubles nothing: the SMTP server down for a while, the same task run
twice, two workers draining one queue, a message given up on and sent again by staff."""
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from serene.accounts.models import User
from serene.notifications.content import Email
from serene.notifications.delivery import message_deliver, messages_deliver_due, messages_resend, retry_wait
from serene.notifications.models import Message, MessageStatus
from serene.notifications.outbox import message_write
from tests.conftest import SmtpInbox, _free_port
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _write(user: User, n: int = 0) -> Message:
    email = Email(kind="test", role="customer", recipient=user, subject=f"Hello {n}", heading="Hello",
                  paragraphs=["A line."], details=[("Date", "Tuesday 1 December 2026")],
                  buttons=[("Open", "http://testserver/")])
    return message_write(email=email, booking=None, key=f"test:{n}")


@pytest.fixture
def smtp_later(settings):
    """An SMTP port with no server behind it yet; start() brings the server up on it."""
    port = _free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 2
    inbox, controllers = SmtpInbox(), []

    def start():
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


def test_a_message_written_twice_for_one_event_is_stored_and_sent_once(smtp_server):
    user = UserFactory(email="asha@example.test")
    first = _write(user)
    assert first is not None and _write(user) is None
    assert Message.objects.count() == 1
    assert [m["to"] for m in smtp_server.messages] == [["asha@example.test"]]
    assert message_deliver(message_id=first.pk) is False  # the task run again: nothing to claim
    assert len(smtp_server.messages) == 1


def test_the_smtp_server_down_then_back_retries_and_delivers_once(smtp_later):
    user = UserFactory(email="asha@example.test")
    message = _write(user)  # its delivery task ran at once and found no server
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert "Connection refused" in message.last_error or "Errno" in message.last_error
    assert message.next_attempt_at > timezone.now()
    assert messages_deliver_due() == 0  # not due yet
    later = message.next_attempt_at
    assert messages_deliver_due(now=later) == 0  # still down: the wait doubles
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at - later >= retry_wait(attempts=2) - timedelta(seconds=1)

    inbox = smtp_later()  # the server is back
    assert messages_deliver_due(now=message.next_attempt_at) == 1
    assert messages_deliver_due(now=message.next_attempt_at + timedelta(hours=1)) == 0
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 3, "")
    assert [m["message"]["Subject"] for m in inbox.messages] == ["Hello 0"]
    assert inbox.messages[0]["message"]["Message-ID"] == message.message_id


def test_a_message_that_cannot_be_sent_for_an_hour_is_failed_then_staff_resend_it(smtp_later, admin_client):
    message = _write(UserFactory(email="asha@example.test"))
    now = timezone.now()
    for _ in range(20):
        message.refresh_from_db()
        if message.status != MessageStatus.PENDING:
            break
        now = message.next_attempt_at
        messages_deliver_due(now=now)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert 6 <= message.attempts <= 9  # doubling waits from 30 s reach an hour after about 8 tries
    assert now - message.created_at < timedelta(hours=1, minutes=5)

    page = admin_client.get("/admin/notifications/message/?status=failed")
    assert page.status_code == 200 and "asha@example.test" in page.content.decode()
    inbox = smtp_later()
    answer = admin_client.post("/admin/notifications/message/", {"action": "resend", "_selected_action": [message.pk]},
                               follow=True)
    assert "1 message(s) queued to be sent again." in answer.content.decode()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(inbox.messages) == 1


def test_a_claim_left_by_a_worker_that_died_is_taken_back_after_its_lease(smtp_later, settings):
    message = _write(UserFactory())
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=timezone.now(),
                                                 next_attempt_at=timezone.now())
    inbox = smtp_later()
    assert messages_deliver_due() == 0  # still within its lease: someone may be sending it
    later = timezone.now() + timedelta(seconds=settings.MAIL_SENDING_LEASE_SECONDS + 1)
    messages_deliver_due(now=later)  # the claim is taken back; the message is due again after its wait
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert messages_deliver_due(now=message.next_attempt_at) == 1
    assert len(inbox.messages) == 1


def test_two_workers_draining_one_queue_send_each_message_once(smtp_later):
    inbox_later = smtp_later
    users = [UserFactory(email=f"person-{n}@example.test") for n in range(3)]
    messages = [_write(users[n % 3], n) for n in range(30)]  # the server is down: all wait
    Message.objects.update(next_attempt_at=timezone.now())
    inbox = inbox_later()
    barrier = threading.Barrier(2)
    sent = []

    def worker():
        try:
            barrier.wait()
            sent.append(messages_deliver_due(now=timezone.now() + timedelta(seconds=1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 30
    subjects = sorted(m["message"]["Subject"] for m in inbox.messages)
    assert subjects == sorted(f"Hello {n}" for n in range(30))
    assert Message.objects.filter(status=MessageStatus.SENT).count() == len(messages)


def test_staff_cannot_resend_a_message_still_waiting():
    message = _write(UserFactory())
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.PENDING)
    assert messages_resend(message_ids=[message.pk]) == 0
