"""Interleavings of the notification write paths, each forced at a chosen point: a second worker
while the first is sending, and a reminder against a cancellation in both orders."""
from datetime import timedelta

import pytest

from serene.bookings.models import Booking, BookingStatus
from serene.notifications.delivery import message_deliver, messages_deliver_due
from serene.notifications.models import Message, MessageStatus
from serene.notifications.reminders import DAY_BEFORE, reminder_send
from serene.payments.cancellations import booking_cancel_with_refund
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at
from tests.payments.helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def booking(client, sandbox, settings) -> Booking:
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 30  # a rival waits for the paused path's locks
    ExpertFactory(slug="sarah", minimum_notice_hours=0)
    client.force_login(UserFactory(email="asha@example.test"))
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    verify(client, pay(sandbox, order["orderId"]))
    return Booking.objects.get(public_id=order["sessionId"])


def test_a_second_worker_finds_nothing_to_send_while_the_first_is_sending(booking, smtp_server):
    message = Message.objects.filter(booking=booking).first()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.PENDING, sent_at=None)
    before = len(smtp_server.messages)
    with paused_at("serene.notifications.delivery.message_as_email") as pause:  # claimed, not yet sent
        first = pause.run(lambda: message_deliver(message_id=message.pk))
        second = pause.run_rival(messages_deliver_due)
        assert second.result() == 0
        pause.release()
    assert first.result() is True
    assert len(smtp_server.messages) == before + 1


def test_a_reminder_waiting_on_a_cancellation_in_progress_finds_it_cancelled(booking, smtp_server):
    day_before = booking.starts_at - timedelta(hours=24)
    with paused_at("serene.bookings.moves.booking_move", when="after") as pause:  # cancelled, not committed
        cancel = pause.run(lambda: booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer))
        remind = pause.run_rival(lambda: reminder_send(booking_id=booking.pk, kind=DAY_BEFORE,
                                                       starts_at=booking.starts_at, now=day_before), wait=1.0)
        assert not remind.finished(0), "the reminder waits for the cancellation's lock"
        pause.release()
    assert cancel.result().status == BookingStatus.CANCELLED
    assert remind.result() is False
    assert not Message.objects.filter(booking=booking, kind=DAY_BEFORE).exists()


def test_a_cancellation_waiting_on_a_reminder_being_written_comes_after_it(booking, smtp_server):
    day_before = booking.starts_at - timedelta(hours=24)
    with paused_at("serene.notifications.outbox.message_record", when="after") as pause:  # written, not committed
        remind = pause.run(lambda: reminder_send(booking_id=booking.pk, kind=DAY_BEFORE, starts_at=booking.starts_at,
                                                 now=day_before))
        cancel = pause.run_rival(lambda: booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer),
                                 wait=1.0)
        assert not cancel.finished(0), "the cancellation waits for the reminder's lock"
        pause.release()
    assert remind.result() is True
    assert cancel.result().status == BookingStatus.CANCELLED
    kinds = list(Message.objects.filter(booking=booking).order_by("id").values_list("kind", flat=True))
    reminders = [n for n, kind in enumerate(kinds) if kind == DAY_BEFORE]
    cancellations = [n for n, kind in enumerate(kinds) if kind == "booking_cancelled"]
    assert len(reminders) == 2 and len(cancellations) == 2 and max(reminders) < min(cancellations)
