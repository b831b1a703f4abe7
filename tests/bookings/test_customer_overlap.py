"""Invariant 9: a customer is in one session at a time. A hold, a move or a create-order for a time
the customer already has (with any expert) is refused with 409 customer_busy; the expert's buffer is
not the customer's time; a hold that ran out is no obstacle."""
import json
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from serene.bookings import lifecycle
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.selectors import customer_overlap_pairs
from serene.bookings.services import (CustomerBusy, booking_clear_way_to_confirm, booking_confirm_paid,
                                      booking_hold, booking_reschedule)
from serene.bookings.locks import lock_booking
from tests.factories import ExpertFactory, UserFactory

from .helpers import at, next_weekday
from .test_lifecycle import confirmed

pytestmark = pytest.mark.django_db
S = BookingStatus


def _expert(**extra):
    return ExpertFactory(**{"minimum_notice_hours": 0, "buffer_minutes": 0, "offered_durations": [30, 60, 90], **extra})


@pytest.fixture
def sarah():
    return _expert()


@pytest.fixture
def ravi():
    return _expert()


def test_a_second_hold_overlapping_the_first_with_another_expert_is_refused_with_409_customer_busy(sarah, ravi):
    customer, day = UserFactory(time_zone="Europe/London"), next_weekday()
    booking_hold(customer=customer, expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    with pytest.raises(CustomerBusy) as refused:
        booking_hold(customer=customer, expert=ravi, starts_at=at(day, 10, 30), duration_minutes=60)
    assert (refused.value.status, refused.value.code) == (409, "customer_busy")
    assert sarah.name in refused.value.message and "holding" in refused.value.message
    assert "London time" in refused.value.message  # on the customer's clock
    assert Booking.objects.filter(expert=ravi).count() == 0


def test_a_confirmed_session_is_named_as_such(sarah, ravi):
    customer, day = UserFactory(), next_weekday()
    confirmed(sarah, starts=at(day, 10), customer=customer)
    with pytest.raises(CustomerBusy) as refused:
        booking_hold(customer=customer, expert=ravi, starts_at=at(day, 9, 30), duration_minutes=60)
    assert "already have a session with" in refused.value.message


def test_back_to_back_sessions_with_two_experts_are_fine_and_the_experts_buffer_is_not_the_customers(ravi):
    buffered = _expert(buffer_minutes=15)
    customer, day = UserFactory(), next_weekday()
    booking_hold(customer=customer, expert=buffered, starts_at=at(day, 10), duration_minutes=60)
    second = booking_hold(customer=customer, expert=ravi, starts_at=at(day, 11), duration_minutes=60)
    assert second.status == S.PENDING and customer_overlap_pairs() == 0


def test_a_hold_that_ran_out_is_no_obstacle_and_is_marked_expired(sarah, ravi):
    customer, day = UserFactory(), next_weekday()
    old = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    Booking.objects.filter(pk=old.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))
    booking_hold(customer=customer, expert=ravi, starts_at=at(day, 10), duration_minutes=60)
    old.refresh_from_db()
    assert old.status == S.EXPIRED


def test_cancelled_sessions_do_not_count(sarah, ravi):
    customer, day = UserFactory(), next_weekday()
    first = confirmed(sarah, starts=at(day, 10), customer=customer)
    Booking.objects.filter(pk=first.pk).update(status=S.CANCELLED)
    assert booking_hold(customer=customer, expert=ravi, starts_at=at(day, 10), duration_minutes=60)


def test_moving_a_session_onto_another_of_ones_own_is_refused_and_nothing_moves(sarah, ravi):
    customer, day = UserFactory(), next_weekday()
    confirmed(sarah, starts=at(day, 10), customer=customer)
    other = confirmed(ravi, starts=at(day, 14), customer=customer)
    with pytest.raises(CustomerBusy):
        booking_reschedule(booking_id=other.pk, by=customer, starts_at=at(day, 10, 30))
    other.refresh_from_db()
    assert (other.starts_at, other.reschedule_count) == (at(day, 14), 0)
    # Moving within its own time (the booking does not clash with itself) is fine.
    assert booking_reschedule(booking_id=other.pk, by=customer, starts_at=at(day, 14, 30)).starts_at == at(day, 14, 30)


def test_create_order_for_a_time_the_customer_has_answers_409_before_any_money_moves(sarah, ravi):
    customer, day = UserFactory(), next_weekday()
    confirmed(sarah, starts=at(day, 10), customer=customer)
    client = Client()
    client.force_login(customer)
    answer = client.post("/api/v1/payments/create-order", content_type="application/json", data=json.dumps(
        {"currency": "INR", "duration": 60, "startsAt": at(day, 10).isoformat(), "notes": {"expertId": ravi.slug}}))
    assert answer.status_code == 409
    body = answer.json()
    assert body["success"] is False and body["error"]["code"] == "customer_busy"
    assert sarah.name in body["error"]["message"]
    assert Booking.objects.filter(expert=ravi).count() == 0


def test_the_reschedule_page_says_why_with_409(sarah, ravi):
    customer, day = UserFactory(), next_weekday()
    confirmed(sarah, starts=at(day, 10), customer=customer)
    other = confirmed(ravi, starts=at(day, 14), customer=customer)
    client = Client()
    client.force_login(customer)
    answer = client.post(f"/sessions/{other.public_id}/reschedule", {"starts_at": at(day, 10).isoformat()})
    assert answer.status_code == 409
    assert "already have a session with" in answer.content.decode()


def test_a_late_payment_for_a_time_the_customer_has_since_booked_elsewhere_is_not_kept(sarah, ravi):
    customer, day = UserFactory(), next_weekday()
    late = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    Booking.objects.filter(pk=late.pk).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    booking_hold(customer=customer, expert=ravi, starts_at=at(day, 10), duration_minutes=60)
    with transaction.atomic():
        locked = lock_booking(booking_id=late.pk)
        kept = booking_confirm_paid(locked=locked, now=booking_clear_way_to_confirm(locked=locked))
    assert kept is False
    late.refresh_from_db()
    assert late.status == S.EXPIRED and customer_overlap_pairs() == 0


@pytest.mark.postgres
def test_postgres_refuses_an_overlap_of_one_customer_written_behind_the_services_back(sarah, ravi):
    customer, day = UserFactory(), next_weekday()
    held = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    row = dict(customer=customer, expert=ravi, starts_at=held.starts_at + timedelta(minutes=30),
               ends_at=held.ends_at + timedelta(minutes=30), blocked_until=held.ends_at + timedelta(minutes=30),
               duration_minutes=60, price_minor=1, status=S.CONFIRMED)
    with pytest.raises(IntegrityError, match="booking_customer_no_overlap"), transaction.atomic():
        Booking.objects.create(**row)
    # A row migration 0009 kept outside the rule is left out by the constraint (and only that one).
    Booking.objects.create(**row, customer_overlap_grandfathered=True)


@pytest.mark.postgres
def test_the_customer_constraint_blocks_exactly_the_lifecycles_blocking_states():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conname = 'booking_customer_no_overlap'")
        definition = cursor.fetchone()[0]
    named = {status for status in S.values if f"'{status}'" in definition}
    assert named == set(lifecycle.BLOCKING_STATUSES), definition
    assert "customer_id WITH =" in definition and "ends_at" in definition and "blocked_until" not in definition
