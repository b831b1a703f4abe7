"""Rival writes of one booking or one slot: paused at a chosen point, and as storms of threads.

Every path locks the expert before the booking, so a rival waits for the paused path and then
sees what it did; nothing deadlocks and nothing overlaps.
"""
import threading
from collections import Counter

import pytest
from django.db import connections

from serene.experts.locks import lock_expert
from serene.bookings.lifecycle import MoveNotAllowed
from serene.bookings.models import Booking, BookingEvent, BookingStatus
from serene.bookings.moves import booking_approve, booking_cancel, booking_mark_no_show, bookings_complete_finished
from serene.bookings.selectors import blocking_overlap_pairs
from serene.bookings.services import booking_hold, booking_reschedule
from serene.core.errors import SlotTaken
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at, run_at_once

from .helpers import at, next_weekday
from .test_lifecycle import confirmed

pytestmark = pytest.mark.django_db(transaction=True)
S = BookingStatus


@pytest.fixture
def sarah():
    return ExpertFactory(minimum_notice_hours=0, buffer_minutes=0, offered_durations=[30, 60, 90])


def test_a_reschedule_paused_under_its_locks_wins_against_a_new_hold_of_the_same_time(sarah):
    day = next_weekday()
    booking = confirmed(sarah, starts=at(day, 10))
    with paused_at("serene.bookings.services._requested_slot") as pause:
        moving = pause.run(lambda: booking_reschedule(booking_id=booking.pk, by=booking.customer,
                                                      starts_at=at(day, 14)))
        rival = pause.run_rival(lambda: booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 14, 30),
                                                     duration_minutes=60))
        pause.release()
    assert moving.result().starts_at == at(day, 14)
    with pytest.raises(SlotTaken):
        rival.result()
    assert blocking_overlap_pairs() == 0


def test_a_hold_paused_under_its_locks_wins_against_a_reschedule_onto_its_time(sarah):
    day = next_weekday()
    booking = confirmed(sarah, starts=at(day, 10))
    with paused_at("serene.bookings.services._requested_slot") as pause:
        holding = pause.run(lambda: booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 14),
                                                 duration_minutes=60))
        rival = pause.run_rival(lambda: booking_reschedule(booking_id=booking.pk, by=booking.customer,
                                                           starts_at=at(day, 14, 30)))
        pause.release()
    assert holding.result().status == S.PENDING
    with pytest.raises(SlotTaken):
        rival.result()
    booking.refresh_from_db()
    assert booking.starts_at == at(day, 10) and booking.reschedule_count == 0
    assert blocking_overlap_pairs() == 0


def test_a_double_click_while_the_first_hold_is_being_written_gets_the_same_hold(sarah):
    customer, start = UserFactory(), at(next_weekday(), 10)
    with paused_at("serene.bookings.services._requested_slot") as pause:
        first = pause.run(lambda: booking_hold(customer=customer, expert=sarah, starts_at=start, duration_minutes=60))
        second = pause.run_rival(lambda: booking_hold(customer=customer, expert=sarah, starts_at=start,
                                                      duration_minutes=60))
        pause.release()
    assert first.result().pk == second.result().pk
    assert Booking.objects.count() == 1


def test_an_approval_paused_before_its_move_is_followed_by_the_rival_cancellation(sarah):
    booking = confirmed(sarah, starts=at(next_weekday(), 10), status=S.AWAITING_APPROVAL)
    with paused_at("serene.bookings.moves.booking_move") as pause:
        approving = pause.run(lambda: booking_approve(booking_id=booking.pk, by=sarah.user))
        cancelling = pause.run_rival(lambda: booking_cancel(booking_id=booking.pk, by=booking.customer))
        assert not cancelling.finished(0.5)  # it waits for the approval's lock
        pause.release()
    assert approving.result().status == S.CONFIRMED
    assert cancelling.result().booking.status == S.CANCELLED
    moves = list(BookingEvent.objects.filter(booking=booking).values_list("to_status", flat=True))
    assert moves[-2:] == [S.CONFIRMED, S.CANCELLED]


def test_eight_cancellations_of_one_booking_at_once_cancel_it_once(sarah):
    booking = confirmed(sarah, starts=at(next_weekday(), 10))
    results = run_at_once([lambda: booking_cancel(booking_id=booking.pk, by=booking.customer)] * 8)
    outcomes = Counter(result if isinstance(result, str) else "cancelled" for result in results)
    assert outcomes == {"cancelled": 1, MoveNotAllowed.__name__: 7}, outcomes
    assert BookingEvent.objects.filter(booking=booking, to_status=S.CANCELLED).count() == 1


def test_completion_and_no_show_racing_on_an_ended_session_leave_one_recorded_end(sarah):
    from datetime import timedelta

    from django.utils import timezone
    booking = confirmed(sarah, starts=at(next_weekday(), 10))
    past = timezone.now() - timedelta(hours=2)
    Booking.objects.filter(pk=booking.pk).update(starts_at=past, ends_at=past + timedelta(hours=1),
                                                 blocked_until=past + timedelta(hours=1))
    results = run_at_once([bookings_complete_finished, lambda: booking_mark_no_show(booking_id=booking.pk, by=sarah.user)] * 3)
    assert not [result for result in results if isinstance(result, str) and result != MoveNotAllowed.__name__]
    booking.refresh_from_db()
    assert booking.status == S.NO_SHOW  # completed first or not, the no-show is recorded once
    assert BookingEvent.objects.filter(booking=booking, to_status=S.NO_SHOW).count() == 1
    assert BookingEvent.objects.filter(booking=booking, to_status=S.COMPLETED).count() <= 1


def test_a_storm_of_reschedules_and_holds_onto_the_same_hour_never_overlaps(sarah):
    day = next_weekday()
    bookings = [confirmed(sarah, starts=at(day, hour)) for hour in (9, 10, 11)]
    calls = [lambda b=b: booking_reschedule(booking_id=b.pk, by=b.customer, starts_at=at(day, 15)) for b in bookings]
    calls += [lambda: booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 15), duration_minutes=60)
              for _ in range(3)]
    results = run_at_once(calls)
    winners = [result for result in results if isinstance(result, Booking)]
    assert len(winners) == 1, results
    assert Counter(result for result in results if isinstance(result, str)) == {SlotTaken.__name__: 5}
    assert blocking_overlap_pairs() == 0


@pytest.mark.postgres
def test_a_lock_held_too_long_is_a_clean_try_again_not_a_hang_or_a_500(sarah, settings, client):
    from django.db import transaction

    from serene.core.locking import Busy
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 1
    holding, done = threading.Event(), threading.Event()

    def hold_the_expert():
        try:
            with transaction.atomic():
                lock_expert(expert_id=sarah.pk)
                holding.set()
                done.wait(20)
        finally:
            connections.close_all()

    blocker = threading.Thread(target=hold_the_expert)
    blocker.start()
    try:
        assert holding.wait(10)
        with pytest.raises(Busy) as error:
            booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(next_weekday(), 10), duration_minutes=60)
        assert error.value.status == 503 and error.value.code == "busy"
        client.force_login(UserFactory())
        day = next_weekday()
        response = client.post("/api/v1/payments/create-order", content_type="application/json", data={
            "amount": 1500, "currency": "INR", "duration": 60,
            "notes": {"expertId": sarah.slug, "sessionDate": day.isoformat(), "sessionTime": "11:00"}})
        assert response.status_code == 503 and response.json()["error"]["code"] == "busy"
    finally:
        done.set()
        blocker.join()
    assert booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(next_weekday(), 10), duration_minutes=60)
