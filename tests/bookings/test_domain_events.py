"""A booking's changes are published as named domain events inside their transaction
(serene/bookings/signals.py), and the apps that react subscribe to them by name: notifications
(emails, notices) and video (the call ends), never to a model's post_save."""
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models.signals import post_save

from serene.bookings.locks import lock_booking
from serene.bookings import signals
from serene.bookings.lifecycle import STAFF, booking_move, booking_set_money_outcome
from serene.bookings.models import Actor, Booking, BookingEvent, BookingStatus, MoneyOutcome
from serene.bookings.moves import booking_cancel, booking_complete
from serene.bookings.reviews import booking_review
from serene.bookings.services import (booking_clear_way_to_confirm, booking_confirm_paid, booking_hold,
                                      booking_reschedule)
from serene.notifications.models import Message, Notice
from serene.notifications.receivers import booking_change_tell
from serene.video.receivers import booking_moved_end_call
from tests.bookings.helpers import at, next_weekday
from tests.events import catch
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db
S = BookingStatus
EVENTS = {"created": signals.booking_created, "moved": signals.booking_moved,
          "rescheduled": signals.booking_rescheduled, "money_outcome_set": signals.booking_money_outcome_set,
          "reviewed": signals.booking_reviewed}


@pytest.fixture
def expert():
    return ExpertFactory(minimum_notice_hours=0, buffer_minutes=0)


def _confirm(booking: Booking) -> None:
    with transaction.atomic():
        locked = lock_booking(booking_id=booking.pk)
        assert booking_confirm_paid(locked=locked, now=booking_clear_way_to_confirm(locked=locked))


def test_the_subscriptions_are_named_and_nothing_listens_to_the_timeline_rows_post_save():
    def names(signal):
        return {receiver.__qualname__ for receiver in signal._live_receivers(Booking)[0]}

    assert names(signals.booking_moved) >= {booking_change_tell.__qualname__, booking_moved_end_call.__qualname__}
    assert booking_change_tell.__qualname__ in names(signals.booking_rescheduled)
    assert booking_change_tell.__qualname__ in names(signals.booking_money_outcome_set)
    serene_receivers = [receiver for receiver in post_save._live_receivers(BookingEvent)[0]
                        if receiver.__module__.startswith("serene.")]
    assert serene_receivers == []


def test_a_bookings_life_is_published_change_by_change_inside_its_transactions(expert):
    customer = UserFactory()
    day = next_weekday(days_ahead=9)
    with catch(**EVENTS) as caught:
        booking = booking_hold(customer=customer, expert=expert, starts_at=at(day, 10), duration_minutes=60)
        _confirm(booking)
        booking_reschedule(booking_id=booking.pk, by=customer, starts_at=at(day, 12))
        booking.refresh_from_db()
        booking_complete(booking_id=booking.pk, now=booking.ends_at)
        booking_review(booking_id=booking.pk, by=customer, rating=5)
    assert [(event.name, getattr(event.payload, "from_status", None), getattr(event.payload, "to_status", None))
            for event in caught] == [("created", "", S.PENDING), ("moved", S.PENDING, S.CONFIRMED),
                                     ("rescheduled", S.CONFIRMED, S.CONFIRMED), ("moved", S.CONFIRMED, S.COMPLETED),
                                     ("reviewed", None, None)]
    assert all(event.in_transaction for event in caught)
    confirmed = caught[1].payload
    assert confirmed.booking.pk == booking.pk and confirmed.actor == Actor.SYSTEM and confirmed.by is None
    assert confirmed.event == BookingEvent.objects.get(booking=booking, from_status=S.PENDING, to_status=S.CONFIRMED)
    assert confirmed.at == confirmed.event.at and confirmed.history is False
    assert caught[2].payload.event.moved_from == at(day, 10)
    assert caught[4].payload.rating == 5 and caught[4].payload.booking.reviewed_at == caught[4].payload.at


def test_a_move_by_a_person_names_them_and_a_money_outcome_is_published(expert):
    customer = UserFactory()
    booking = booking_hold(customer=customer, expert=expert, starts_at=at(next_weekday(days_ahead=9), 10),
                           duration_minutes=60)
    _confirm(booking)
    with catch(**EVENTS) as caught:
        booking_cancel(booking_id=booking.pk, by=expert.user, reason="Unwell.")
        with transaction.atomic():
            booking_set_money_outcome(booking=lock_booking(booking_id=booking.pk).booking,
                                      outcome=MoneyOutcome.REFUND_PENDING, reason="Refund asked for.")
    moved, outcome = (event.payload for event in caught)
    assert [event.name for event in caught] == ["moved", "money_outcome_set"]
    assert (moved.actor, moved.by, moved.event.reason) == (Actor.EXPERT, expert.user, "Unwell.")
    assert outcome.event.money_outcome == MoneyOutcome.REFUND_PENDING


def test_a_move_that_rolls_back_leaves_no_email_and_no_notice_though_it_was_published(expert):
    """Emails and notices are written inside the move's transaction, by the subscriber: they go with it."""
    booking = booking_hold(customer=UserFactory(), expert=expert, starts_at=at(next_weekday(), 10), duration_minutes=60)
    with catch(moved=signals.booking_moved) as caught, pytest.raises(RuntimeError):
        with transaction.atomic():
            locked = lock_booking(booking_id=booking.pk)
            assert booking_confirm_paid(locked=locked, now=booking_clear_way_to_confirm(locked=locked))
            assert Message.objects.filter(booking=booking).exists()  # written by notifications, in the move
            raise RuntimeError("the payment's transaction fails after the confirmation")
    assert [event.payload.to_status for event in caught] == [S.CONFIRMED]
    assert not Message.objects.filter(booking=booking).exists() and not Notice.objects.exists()
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING


def test_history_is_published_as_history_and_nobody_is_told(expert):
    customer = UserFactory()
    booking = booking_hold(customer=customer, expert=expert, starts_at=at(next_weekday(), 10), duration_minutes=60)
    with catch(**EVENTS) as caught, signals.recording_history():
        _confirm(booking)
        with transaction.atomic():
            booking_move(booking=lock_booking(booking_id=booking.pk).booking, to=S.CANCELLED, actor=STAFF)
    assert [event.payload.history for event in caught] == [True, True]
    assert not Message.objects.exists() and not Notice.objects.exists()
    assert not signals.is_recording_history()
    _confirm(booking_hold(customer=customer, expert=expert, starts_at=at(next_weekday(), 10) + timedelta(hours=2),
                          duration_minutes=60))
    assert Message.objects.exists()  # outside the block, moves are news again
