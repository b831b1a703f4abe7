"""Two customers moving their sessions into the same free time at once, and a move against a new
hold: one wins, the other is told (SlotTaken, 409 slot_taken through the API), and nothing overlaps.
Paused at the engine's check with the rival run in between, and as storms of threads."""
import json
from collections import Counter
from datetime import UTC

import pytest
from django.test import Client

from serene.bookings.models import Booking, BookingStatus
from serene.bookings.selectors import blocking_overlap_pairs
from serene.bookings.services import booking_hold, booking_reschedule
from serene.core.errors import SlotTaken
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at, run_at_once

from .helpers import at, next_weekday
from .test_lifecycle import confirmed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sarah():
    return ExpertFactory(minimum_notice_hours=0, buffer_minutes=0, offered_durations=[30, 60, 90])


def test_a_customer_paused_moving_into_a_time_wins_and_the_second_customer_is_told(sarah):
    day = next_weekday()
    asha, ravi = confirmed(sarah, starts=at(day, 9)), confirmed(sarah, starts=at(day, 11))
    with paused_at("serene.bookings.services._requested_slot") as pause:
        first = pause.run(lambda: booking_reschedule(booking_id=asha.pk, by=asha.customer, starts_at=at(day, 15)))
        second = pause.run_rival(lambda: booking_reschedule(booking_id=ravi.pk, by=ravi.customer,
                                                            starts_at=at(day, 15, 30)))
        pause.release()
    assert first.result().starts_at == at(day, 15)
    with pytest.raises(SlotTaken):
        second.result()
    ravi.refresh_from_db()
    assert (ravi.starts_at, ravi.reschedule_count) == (at(day, 11), 0)
    assert blocking_overlap_pairs() == 0


def test_a_new_hold_paused_on_a_time_wins_against_a_move_into_it_and_the_mover_keeps_their_time(sarah):
    day = next_weekday()
    asha = confirmed(sarah, starts=at(day, 9))
    with paused_at("serene.bookings.services._requested_slot") as pause:
        holding = pause.run(lambda: booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 15),
                                                 duration_minutes=60))
        moving = pause.run_rival(lambda: booking_reschedule(booking_id=asha.pk, by=asha.customer,
                                                            starts_at=at(day, 15)))
        pause.release()
    assert holding.result().status == BookingStatus.PENDING
    with pytest.raises(SlotTaken):
        moving.result()
    asha.refresh_from_db()
    assert asha.starts_at == at(day, 9) and blocking_overlap_pairs() == 0


def test_six_customers_moving_into_one_hour_at_once_one_wins(sarah):
    day = next_weekday()
    bookings = [confirmed(sarah, starts=at(day, hour)) for hour in (9, 10, 11, 12, 13, 14)]
    results = run_at_once([lambda b=b: booking_reschedule(booking_id=b.pk, by=b.customer, starts_at=at(day, 16))
                           for b in bookings])
    assert sum(isinstance(result, Booking) for result in results) == 1, results
    assert Counter(result for result in results if isinstance(result, str)) == {SlotTaken.__name__: 5}
    assert Booking.objects.filter(starts_at=at(day, 16)).count() == 1
    assert blocking_overlap_pairs() == 0


def test_through_the_api_the_loser_hears_409_slot_taken(sarah):
    day = next_weekday()
    bookings = [confirmed(sarah, starts=at(day, hour)) for hour in (9, 11)]

    def move(booking):
        client = Client()
        client.force_login(booking.customer)
        return client.post(f"/api/v1/sessions/{booking.public_id}/reschedule", content_type="application/json",
                           data=json.dumps({"startsAt": at(day, 14).isoformat()}))

    answers = run_at_once([lambda b=b: move(b) for b in bookings])
    assert sorted(answer.status_code for answer in answers) == [200, 409], answers
    loser = next(answer for answer in answers if answer.status_code == 409).json()
    assert loser["error"]["code"] == "slot_taken"
    winner = next(answer for answer in answers if answer.status_code == 200).json()
    assert winner["status"] == "confirmed" and winner["startsAt"] == f"{at(day, 14).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    assert blocking_overlap_pairs() == 0
