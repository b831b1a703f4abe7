"""Reminders fire at their moment (the clock moved in the test), to both people, once; skip a
cancelled booking; follow a moved one; and are queued as timers when the task backend can defer."""
from datetime import timedelta

import pytest

from serene.bookings.models import Booking
from serene.bookings.services import booking_reschedule
from serene.notifications.models import Message
from serene.notifications.reminders import DAY_BEFORE, SOON, reminder_send, reminders_send_due
from serene.payments.cancellations import booking_cancel_with_refund
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.payments.helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", user__email="sarah@example.test",
                         minimum_notice_hours=0)


def _booked(client, sandbox) -> Booking:
    client.force_login(UserFactory(name="Asha Verma", email="asha@example.test", time_zone="Europe/London"))
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    verify(client, pay(sandbox, order["orderId"]))
    return Booking.objects.get(public_id=order["sessionId"])


def _reminders(inbox):
    return sorted((m["to"][0], m["message"]["Subject"]) for m in inbox.messages
                  if m["message"]["Subject"].startswith(("Reminder", "Starting")))


def test_reminders_go_to_both_people_at_their_moments_and_only_once(client, sandbox, sarah, smtp_server):
    booking = _booked(client, sandbox)
    start = booking.starts_at
    assert reminders_send_due(now=start - timedelta(hours=25)) == 0  # not yet
    assert reminders_send_due(now=start - timedelta(hours=24)) == 1
    assert _reminders(smtp_server) == [("asha@example.test", "Reminder: Your session with Dr. Sarah Khan is tomorrow"),
                                       ("sarah@example.test", "Reminder: Your session with Asha Verma is tomorrow")]
    assert reminders_send_due(now=start - timedelta(hours=23)) == 0  # the sweep again: nothing more
    assert reminder_send(booking_id=booking.pk, kind=DAY_BEFORE, starts_at=start, now=start - timedelta(hours=23)) is False
    assert reminders_send_due(now=start - timedelta(minutes=10)) == 1
    soon = [s for s in _reminders(smtp_server) if s[1].startswith("Starting")]
    assert soon == [("asha@example.test", "Starting in 10 minutes: your session with Dr. Sarah Khan"),
                    ("sarah@example.test", "Starting in 10 minutes: your session with Asha Verma")]
    text = next(m["message"] for m in smtp_server.messages if m["to"] == ["asha@example.test"]
                and m["message"]["Subject"].startswith("Starting")).get_body(("plain",)).get_content()
    assert f"/sessions/{booking.public_id}/" in text and "(London time)" in text
    assert reminders_send_due(now=start - timedelta(minutes=5)) == 0
    assert reminders_send_due(now=start + timedelta(minutes=1)) == 0
    assert Message.objects.filter(booking=booking, kind__startswith="reminder").count() == 4


def test_a_cancelled_booking_gets_no_reminder(client, sandbox, sarah, smtp_server):
    booking = _booked(client, sandbox)
    booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer)
    for before in (timedelta(hours=24), timedelta(minutes=10)):
        assert reminders_send_due(now=booking.starts_at - before) == 0
        assert reminder_send(booking_id=booking.pk, kind=DAY_BEFORE if before.days else SOON,
                             starts_at=booking.starts_at, now=booking.starts_at - before) is False
    assert _reminders(smtp_server) == []


def test_a_moved_booking_is_reminded_at_its_new_time_and_not_its_old(client, sandbox, sarah, smtp_server):
    booking = _booked(client, sandbox)
    old_start = booking.starts_at
    new_start = old_start + timedelta(hours=3)
    booking_reschedule(booking_id=booking.pk, by=booking.customer, starts_at=new_start)
    assert reminder_send(booking_id=booking.pk, kind=DAY_BEFORE, starts_at=old_start,
                         now=old_start - timedelta(hours=24)) is False  # the old timer finds the time moved
    assert reminders_send_due(now=old_start - timedelta(hours=24)) == 0
    assert reminders_send_due(now=new_start - timedelta(hours=24)) == 1
    assert len(_reminders(smtp_server)) == 2


def test_confirming_queues_reminder_timers_when_the_backend_can_defer(client, sandbox, sarah, settings):
    from django_tasks_db.models import DBTaskResult

    from serene.notifications.tasks import reminder_send as task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # django_tasks rebuilds its backends
    assert task.get_backend().supports_defer
    booking = _booked(client, sandbox)  # the payment's own tasks wait in the queue too; confirmation is direct
    timers = DBTaskResult.objects.filter(task_path=task.module_path)
    assert sorted((row.args_kwargs["args"][1], row.run_after) for row in timers) == [
        (DAY_BEFORE, booking.starts_at - timedelta(hours=24)), (SOON, booking.starts_at - timedelta(minutes=10))]
    assert all(row.args_kwargs["args"][2] == booking.starts_at.isoformat() for row in timers)
