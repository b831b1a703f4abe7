"""Rendering a message again (the mail sweep, after a broken template is repaired) against its rivals,
each interleaving forced at a chosen point: a second sweep, a worker delivering, the booking cancelled
in either order; and a storm of sweeps on one message. Each ends with the email sent once, or, when
the booking moved on first, skipped with the reason."""
from datetime import timedelta

import pytest
from icalendar import Calendar

from serene.bookings.models import Booking, BookingStatus
from serene.notifications.delivery import message_deliver, messages_deliver_due
from serene.notifications.models import Message, MessageStatus
from serene.notifications.rerender import message_render_again
from serene.payments.cancellations import booking_cancel_with_refund
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at, run_at_once
from tests.payments.helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)
M = MessageStatus
CONFIRMED_SUBJECT = "Your session with Dr. Sarah Khan is confirmed!"
# Stops a sweep that holds the booking's lock and has claimed the message, before it renders it.
RENDERING = "serene.notifications.rerender.message_content"


@pytest.fixture
def unrendered(client, sandbox, settings, broken_template, smtp_server) -> Message:
    """A paid booking whose confirmation could not be rendered; the template is repaired since."""
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 30  # a rival waits for the paused path's locks
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False
    ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", minimum_notice_hours=0)
    broken_template.break_for("booking_confirmed")
    client.force_login(UserFactory(email="asha@example.test"))
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    verify(client, pay(sandbox, order["orderId"]))
    broken_template.repair()
    message = Message.objects.get(booking__public_id=order["sessionId"], kind="booking_confirmed")
    assert message.status == M.RENDER_FAILED
    return message


def _to_customer(inbox):
    return [item["message"] for item in inbox.messages if "asha@example.test" in item["to"]]


def _subjects(inbox):
    return [message["Subject"] for message in _to_customer(inbox)]


def test_a_second_sweep_while_the_first_is_rendering_finds_nothing_to_render_or_send(unrendered, smtp_server):
    due = unrendered.next_attempt_at
    with paused_at(RENDERING) as pause:
        first = pause.run(lambda: messages_deliver_due(now=due))
        second = pause.run_rival(lambda: messages_deliver_due(now=due), wait=1.0)
        pause.release()
    assert first.result() + second.result() == 1
    unrendered.refresh_from_db()
    assert (unrendered.status, unrendered.render_failures) == (M.SENT, 1)
    assert _subjects(smtp_server) == [CONFIRMED_SUBJECT]


def test_a_worker_delivering_while_the_sweep_renders_sends_nothing_half_made(unrendered, smtp_server):
    due = unrendered.next_attempt_at
    with paused_at(RENDERING) as pause:
        sweep = pause.run(lambda: messages_deliver_due(now=due))
        # A delivery task for the message (its first one, late, or staff's) runs meanwhile: there is
        # nothing to send until the rendering commits (on SQLite it waits for it, then sends it).
        worker = pause.run_rival(lambda: message_deliver(message_id=unrendered.pk, now=due), wait=1.0)
        pause.release()
    assert sweep.result() + worker.result() == 1
    [sent] = _to_customer(smtp_server)
    assert sent["Subject"] == CONFIRMED_SUBJECT and "is booked and paid" in sent.get_body(("plain",)).get_content()


def test_a_cancellation_waiting_on_the_rendering_comes_after_the_confirmation(unrendered, smtp_server):
    booking = Booking.objects.get(pk=unrendered.booking_id)
    due = unrendered.next_attempt_at
    with paused_at(RENDERING) as pause:
        sweep = pause.run(lambda: messages_deliver_due(now=due))
        cancel = pause.run_rival(lambda: booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer),
                                 wait=1.0)
        assert not cancel.finished(0), "the cancellation waits for the booking's lock"
        pause.release()
    sweep.result()
    assert cancel.result().status == BookingStatus.CANCELLED
    unrendered.refresh_from_db()
    assert unrendered.status == M.SENT
    cancelled = Message.objects.get(booking=booking, kind="booking_cancelled", role="customer")
    assert unrendered.rendered_at <= cancelled.created_at
    # Whichever arrives first, calendars keep the cancellation: its invite has the higher SEQUENCE.
    by_subject = {message["Subject"]: message for message in _to_customer(smtp_server)}
    assert set(by_subject) >= {CONFIRMED_SUBJECT, "Cancelled: your session with Dr. Sarah Khan"}
    sequences = {subject: int(Calendar.from_ical(part.get_content()).walk("VEVENT")[0]["sequence"])
                 for subject, message in by_subject.items()
                 for part in message.walk() if part.get_content_type() == "text/calendar"}
    assert sequences[CONFIRMED_SUBJECT] < sequences["Cancelled: your session with Dr. Sarah Khan"]


def test_a_sweep_waiting_on_a_cancellation_in_progress_skips_the_confirmation(unrendered, smtp_server):
    booking = Booking.objects.get(pk=unrendered.booking_id)
    due = unrendered.next_attempt_at
    with paused_at("serene.bookings.moves.booking_move", when="after") as pause:  # cancelled, not committed
        cancel = pause.run(lambda: booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer))
        sweep = pause.run_rival(lambda: messages_deliver_due(now=due), wait=1.0)
        assert not sweep.finished(0), "the sweep waits for the cancellation's lock"
        pause.release()
    assert cancel.result().status == BookingStatus.CANCELLED
    sweep.result()
    unrendered.refresh_from_db()
    assert unrendered.status == M.SKIPPED and unrendered.skip_reason.startswith("The session is cancelled now")
    subjects = _subjects(smtp_server)
    assert "Cancelled: your session with Dr. Sarah Khan" in subjects and CONFIRMED_SUBJECT not in subjects


def test_a_storm_of_sweeps_on_one_message_renders_it_once_and_sends_it_once(unrendered, smtp_server):
    due = unrendered.next_attempt_at
    renders = run_at_once([lambda: message_render_again(message_id=unrendered.pk, now=due) for _ in range(6)])
    assert sorted(renders, key=str) == [False] * 5 + [True], renders
    sweeps = run_at_once([lambda: messages_deliver_due(now=due + timedelta(seconds=1)) for _ in range(6)])
    assert sum(sweeps) == 1, sweeps
    unrendered.refresh_from_db()
    assert (unrendered.status, unrendered.render_failures, unrendered.attempts) == (M.SENT, 1, 1)
    assert _subjects(smtp_server) == [CONFIRMED_SUBJECT]


def test_a_storm_of_whole_sweeps_renders_and_sends_the_message_once(unrendered, smtp_server):
    due = unrendered.next_attempt_at
    results = run_at_once([lambda: messages_deliver_due(now=due) for _ in range(6)])
    assert sum(result for result in results if isinstance(result, int)) == 1, results
    assert _subjects(smtp_server) == [CONFIRMED_SUBJECT]
