"""An email that cannot be rendered is never lost: a broken template (or a bug in what an email says)
leaves the paid booking confirmed, the message recorded with its error for staff, and the mail sweep
renders it again once it can and sends it once. Booked and paid through the real flow (the official
SDK against the emulator over HTTP), mailed to a real SMTP server (aiosmtpd)."""
import logging
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from serene.bookings.models import Booking, BookingStatus
from serene.bookings.services import booking_reschedule
from serene.notifications import content
from serene.notifications.delivery import message_deliver, messages_deliver_due, retry_wait
from serene.notifications.models import Message, MessageStatus, Notice
from serene.notifications.reminders import DAY_BEFORE, reminder_send
from serene.notifications.tasks import messages_deliver_due as mail_sweep_task
from serene.payments.cancellations import booking_cancel_with_refund
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.payments.helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)
M = MessageStatus


@pytest.fixture
def quiet(settings):
    """The emulator keeps its webhooks: the customer's verify alone confirms, so one path writes the emails."""
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False


@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", user__email="sarah@example.test",
                         hourly_rate_minor=150000, minimum_notice_hours=0)


def _book_and_pay(client, sandbox, *, days_ahead=7) -> Booking:
    client.force_login(UserFactory(name="Asha Verma", email="asha@example.test"))
    order = create_order(client, starts=at(next_weekday(days_ahead=days_ahead), 10)).json()
    answer = verify(client, pay(sandbox, order["orderId"]))
    assert answer.status_code == 200, answer.content
    return Booking.objects.select_related("customer", "expert__user").get(public_id=order["sessionId"])


def _subjects(inbox, address):
    return [item["message"]["Subject"] for item in inbox.messages if address in item["to"]]


def _confirmation(booking) -> Message:
    return Message.objects.get(booking=booking, kind="booking_confirmed")


def test_a_broken_template_keeps_the_paid_booking_records_the_email_for_staff_and_the_sweep_sends_it_once(
        client, sandbox, quiet, sarah, smtp_server, broken_template, admin_client, caplog):
    broken_template.break_for("booking_confirmed")
    with caplog.at_level(logging.ERROR, logger="serene.notifications"):
        booking = _book_and_pay(client, sandbox)

    assert booking.status == BookingStatus.CONFIRMED  # the broken template undid nothing
    message = _confirmation(booking)
    assert (message.status, message.role, message.to_email, message.recipient) == (
        M.RENDER_FAILED, "customer", "asha@example.test", booking.customer)
    assert message.key == f"booking:{booking.pk}:event:{message.event_id}:booking_confirmed:customer"
    assert (message.event.from_status, message.event.to_status) == (BookingStatus.PENDING, BookingStatus.CONFIRMED)
    assert message.last_error.startswith("NoReverseMatch") and "no-such-page" in message.last_error
    assert (message.rendered_at, message.body_text, message.render_failures) == (None, "", 1)
    assert message.next_attempt_at - message.created_at >= retry_wait(attempts=1) - timedelta(seconds=1)
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR and "booking_confirmed" in r.getMessage()]
    assert logged.exc_info is not None  # the traceback goes to the logs (and Sentry)
    # The expert's alert, rendered from the same template, was not held up; the customer has nothing yet.
    assert _subjects(smtp_server, "sarah@example.test") == ["New Booking Alert - Asha Verma"]
    assert _subjects(smtp_server, "asha@example.test") == []

    # Staff see it on the operations page and in the admin's filter.
    operations = admin_client.get("/staff/operations/").content.decode()
    assert "Emails that failed or could not be written" in operations
    assert "booking_confirmed" in operations and "not written" in operations and "asha@example.test" in operations
    assert "/admin/notifications/message/?trouble=stuck" in operations
    for query in ("trouble=stuck", "trouble=not_rendered", "status__exact=render_failed"):
        listing = admin_client.get(f"/admin/notifications/message/?{query}").content.decode()
        assert "asha@example.test" in listing and "sarah@example.test" not in listing

    assert messages_deliver_due() == 0  # not due before its wait
    messages_deliver_due(now=message.next_attempt_at)  # due, but still broken: the wait doubles
    message.refresh_from_db()
    assert (message.status, message.render_failures) == (M.RENDER_FAILED, 2)
    assert _subjects(smtp_server, "asha@example.test") == []

    broken_template.repair()
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1), tick=False):
        mail_sweep_task.enqueue()  # the scheduler's job, every MAIL_SWEEP_INTERVAL_SECONDS
        mail_sweep_task.enqueue()  # and its next run: nothing more
    message.refresh_from_db()
    assert message.status == M.SENT and message.rendered_at is not None
    assert _subjects(smtp_server, "asha@example.test") == ["Your session with Dr. Sarah Khan is confirmed!"]
    [sent] = [item["message"] for item in smtp_server.messages if "asha@example.test" in item["to"]]
    assert sent["Message-ID"] == message.message_id
    parts = {part.get_content_type(): part for part in sent.walk() if not part.is_multipart()}
    assert "is booked and paid" in parts["text/plain"].get_content()
    assert str(Calendar.from_ical(parts["text/calendar"].get_content())["method"]) == "REQUEST"
    assert message_deliver(message_id=message.pk) is False  # its delivery task run again sends nothing
    assert messages_deliver_due(now=timezone.now() + timedelta(hours=2)) == 0
    assert len(smtp_server.messages) == 2


def test_an_email_that_cannot_be_rendered_for_an_hour_is_failed_then_staff_send_it_again(
        client, sandbox, quiet, sarah, smtp_server, broken_template, admin_client, caplog):
    broken_template.break_for("booking_confirmed")
    booking = _book_and_pay(client, sandbox)
    message = _confirmation(booking)
    now = message.created_at
    with caplog.at_level(logging.ERROR, logger="serene.notifications"):
        for _ in range(20):
            message.refresh_from_db()
            if message.status != M.RENDER_FAILED:
                break
            now = message.next_attempt_at
            messages_deliver_due(now=now)
    message.refresh_from_db()
    assert (message.status, message.rendered_at) == (M.FAILED, None)
    assert 6 <= message.render_failures <= 9  # the sending backoff: doubling waits from 30 s reach an hour
    assert now - message.created_at < timedelta(hours=1, minutes=5)
    assert any(r.getMessage().startswith("Gave up rendering the booking_confirmed email") for r in caplog.records)
    assert "asha@example.test" in admin_client.get("/admin/notifications/message/?trouble=failed").content.decode()
    assert "asha@example.test" in admin_client.get("/staff/operations/").content.decode()

    broken_template.repair()
    answer = admin_client.post("/admin/notifications/message/", {"action": "resend", "_selected_action": [message.pk]},
                               follow=True)
    assert "1 message(s) queued to be sent again." in answer.content.decode()
    message.refresh_from_db()
    assert message.status == M.SENT
    assert _subjects(smtp_server, "asha@example.test") == ["Your session with Dr. Sarah Khan is confirmed!"]


def test_a_confirmation_not_rendered_before_the_booking_was_cancelled_is_skipped_with_the_reason(
        client, sandbox, quiet, sarah, smtp_server, broken_template, admin_client):
    broken_template.break_for("booking_confirmed")
    booking = _book_and_pay(client, sandbox)
    booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer)
    broken_template.repair()
    message = _confirmation(booking)
    messages_deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == M.SKIPPED
    assert message.skip_reason.startswith("The session is cancelled now")
    # The customer hears of the cancellation (and its refund), never of a confirmation after it.
    subjects = _subjects(smtp_server, "asha@example.test")
    assert "Cancelled: your session with Dr. Sarah Khan" in subjects
    assert not any("confirmed" in subject for subject in subjects)
    assert "asha@example.test" in admin_client.get("/admin/notifications/message/?trouble=skipped").content.decode()


def test_a_confirmation_not_rendered_before_the_session_moved_is_skipped_for_the_email_about_the_move(
        client, sandbox, quiet, sarah, smtp_server, broken_template):
    broken_template.break_for("booking_confirmed")
    booking = _book_and_pay(client, sandbox)
    booking_reschedule(booking_id=booking.pk, by=booking.customer, starts_at=booking.starts_at + timedelta(hours=2))
    broken_template.repair()
    message = _confirmation(booking)
    messages_deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert (message.status, message.skip_reason) == (
        M.SKIPPED, "The session has moved since; the email about the move gives its new time.")
    assert _subjects(smtp_server, "asha@example.test") == ["Moved: your session with Dr. Sarah Khan"]


def test_a_bug_in_what_an_email_says_even_a_failed_query_is_recorded_and_the_move_commits(
        client, sandbox, quiet, sarah, smtp_server, monkeypatch):
    def broken_alert(booking):
        with connection.cursor() as cursor:  # on PostgreSQL this aborts the transaction but for its savepoint
            cursor.execute("SELECT no_such_column FROM notifications_message")
    monkeypatch.setattr(content, "booking_new_for_expert", broken_alert)
    booking = _book_and_pay(client, sandbox)
    assert booking.status == BookingStatus.CONFIRMED
    alert = Message.objects.get(booking=booking, kind="booking_new")
    assert (alert.status, alert.role, alert.to_email) == (M.RENDER_FAILED, "expert", "sarah@example.test")
    assert "no_such_column" in alert.last_error
    assert _subjects(smtp_server, "asha@example.test") == ["Your session with Dr. Sarah Khan is confirmed!"]
    assert Notice.objects.filter(booking=booking).count() == 1  # the rest of the move's writes are all there

    monkeypatch.undo()
    messages_deliver_due(now=alert.next_attempt_at)
    assert _subjects(smtp_server, "sarah@example.test") == ["New Booking Alert - Asha Verma"]


def test_a_reminder_that_cannot_be_rendered_is_recorded_for_both_and_sent_once_repaired(
        client, sandbox, quiet, sarah, smtp_server, broken_template):
    booking = _book_and_pay(client, sandbox)
    broken_template.break_for(DAY_BEFORE)
    day_before = booking.starts_at - timedelta(hours=24)
    assert reminder_send(booking_id=booking.pk, kind=DAY_BEFORE, starts_at=booking.starts_at, now=day_before)
    reminders = Message.objects.filter(booking=booking, kind=DAY_BEFORE)
    assert sorted(reminders.values_list("role", "status")) == [("customer", M.RENDER_FAILED), ("expert", M.RENDER_FAILED)]
    assert set(reminders.values_list("session_starts_at", flat=True)) == {booking.starts_at}
    broken_template.repair()
    messages_deliver_due(now=day_before + timedelta(minutes=1))
    assert sorted(reminders.values_list("status", flat=True)) == [M.SENT, M.SENT]
    assert _subjects(smtp_server, "asha@example.test")[-1] == "Reminder: Your session with Dr. Sarah Khan is tomorrow"
    assert _subjects(smtp_server, "sarah@example.test")[-1] == "Reminder: Your session with Asha Verma is tomorrow"


def test_a_reminder_not_rendered_before_its_session_was_cancelled_is_skipped(
        client, sandbox, quiet, sarah, smtp_server, broken_template):
    booking = _book_and_pay(client, sandbox)
    broken_template.break_for(DAY_BEFORE)
    day_before = booking.starts_at - timedelta(hours=24)
    reminder_send(booking_id=booking.pk, kind=DAY_BEFORE, starts_at=booking.starts_at, now=day_before)
    booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer)
    broken_template.repair()
    messages_deliver_due(now=day_before + timedelta(minutes=1))
    reminders = Message.objects.filter(booking=booking, kind=DAY_BEFORE)
    assert set(reminders.values_list("status", "skip_reason")) == {(M.SKIPPED, "The session is cancelled now.")}
    assert not any(subject.startswith("Reminder") for subject in _subjects(smtp_server, "asha@example.test"))


def test_a_notice_whose_text_cannot_be_composed_still_tells_the_expert_plainly(
        client, sandbox, quiet, sarah, smtp_server, monkeypatch, caplog):
    from serene.notifications import notices

    def broken_text(kind, event, booking):
        raise ValueError("a bug in the notice's text")
    monkeypatch.setattr(notices, "_text", broken_text)
    with caplog.at_level(logging.ERROR, logger="serene.notifications"):
        booking = _book_and_pay(client, sandbox)
    [notice] = Notice.objects.filter(booking=booking)
    assert notice.text == "New booking: open it for the details."
    assert any(r.levelno == logging.ERROR and "notice" in r.getMessage() for r in caplog.records)
