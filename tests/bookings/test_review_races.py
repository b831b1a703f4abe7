"""Reviews written at once: one session's double submit records one review; two sessions' reviews of
one expert both count in the average (each rewrites it under the expert's lock)."""
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from serene.bookings.models import Booking
from serene.bookings.reviews import AlreadyReviewed, booking_review
from tests.factories import ExpertFactory
from tests.interleave import paused_at, run_at_once

from .test_customer_side import S, session

pytestmark = pytest.mark.django_db(transaction=True)


def test_five_submits_of_one_review_at_once_record_it_once():
    booking = session(ExpertFactory(), status=S.COMPLETED, starts_in=-timedelta(days=1))
    results = run_at_once([lambda rating=rating: booking_review(booking_id=booking.pk, by=booking.customer,
                                                                rating=rating) for rating in (1, 2, 3, 4, 5)])
    assert Counter(type(result).__name__ if isinstance(result, Booking) else result for result in results) == {
        "Booking": 1, AlreadyReviewed.__name__: 4}
    booking.refresh_from_db()
    winner = next(result for result in results if isinstance(result, Booking))
    assert booking.rating == winner.rating and booking.expert.rating_count == 1


def test_a_review_paused_before_the_average_is_rewritten_and_a_rival_review_both_count():
    expert = ExpertFactory()
    first = session(expert, status=S.COMPLETED, starts_in=-timedelta(days=1))
    second = session(expert, status=S.COMPLETED, starts_in=-timedelta(days=2))
    with paused_at("serene.bookings.reviews.expert_rating_refresh") as pause:
        one = pause.run(lambda: booking_review(booking_id=first.pk, by=first.customer, rating=5))
        two = pause.run_rival(lambda: booking_review(booking_id=second.pk, by=second.customer, rating=2))
        assert not two.finished(0.5), "the rival waits for the expert's lock"
        pause.release()
    one.result(), two.result()
    expert.refresh_from_db()
    assert (expert.rating_count, expert.rating_average) == (2, Decimal("3.50"))
