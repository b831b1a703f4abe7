"""Real concurrency against the real database: each thread has its own connection."""
import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connections

from serene.bookings.models import Booking, BookingStatus
from serene.bookings.selectors import blocking_overlap_pairs
from serene.bookings.services import booking_hold
from serene.core.errors import ServiceUnavailable, SlotTaken
from tests.factories import ExpertFactory, UserFactory

from .helpers import at, next_weekday

pytestmark = pytest.mark.django_db(transaction=True)


def _race(requests):
    """Run booking_hold(**request) for every request at once; return what each one got."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def worker(index, request):
        try:
            barrier.wait()
            for _attempt in range(20):
                try:
                    results[index] = booking_hold(**request)
                    break
                except ServiceUnavailable:
                    continue  # a busy answer asks the customer to try again; the test does so
            else:
                results[index] = "busy"
        except SlotTaken as error:
            results[index] = error.code
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            results[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index, request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def expert():
    return ExpertFactory(minimum_notice_hours=0, buffer_minutes=0, offered_durations=[30, 60, 90, 120])


def test_32_customers_holding_the_same_slot_at_once_get_exactly_one_hold(expert):
    customers = [UserFactory() for _ in range(32)]
    start = at(next_weekday(), 10)
    results = _race([{"customer": customer, "expert": expert, "starts_at": start, "duration_minutes": 60}
                     for customer in customers])
    outcomes = Counter("held" if isinstance(result, Booking) else result for result in results)
    assert outcomes == {"held": 1, "slot_taken": 31}, outcomes
    assert Booking.objects.filter(status=BookingStatus.PENDING).count() == 1


def test_overlapping_sessions_of_different_lengths_get_exactly_one_hold(expert):
    day = next_weekday()
    requests = []
    for number in range(32):
        long_one = number % 2 == 0
        requests.append({"customer": UserFactory(), "expert": expert,
                         "starts_at": at(day, 10) if long_one else at(day, 10, 30),
                         "duration_minutes": 60 if long_one else 30})
    results = _race(requests)
    outcomes = Counter("held" if isinstance(result, Booking) else result for result in results)
    assert outcomes == {"held": 1, "slot_taken": 31}, outcomes
    assert blocking_overlap_pairs() == 0


def test_a_storm_of_random_holds_over_a_week_never_overlaps(expert, settings):
    settings.MAX_HOLDS_PER_CUSTOMER = 96  # twelve customers share the storm; the limit is tested on its own
    expert.buffer_minutes = 15
    expert.save()
    random_source = random.Random(20261123)
    first_day = next_weekday(days_ahead=3)
    week = [first_day + timedelta(days=offset) for offset in range(7)]
    days = [day for day in week if day.isoweekday() <= 5]
    customers = [UserFactory() for _ in range(12)]
    requests = []
    for _ in range(96):
        duration = random_source.choice([30, 60, 90, 120])
        quarter = random_source.randrange(0, (8 * 60 - duration) // 15 + 1)
        requests.append({"customer": random_source.choice(customers), "expert": expert,
                         "starts_at": at(random_source.choice(days), 9) + timedelta(minutes=15 * quarter),
                         "duration_minutes": duration})
    results = _race(requests)
    unexpected = [result for result in results if not isinstance(result, Booking) and result != "slot_taken"]
    assert unexpected == []
    assert Booking.objects.count() >= 5
    assert blocking_overlap_pairs() == 0
