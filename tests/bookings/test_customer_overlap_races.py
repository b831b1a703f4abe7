"""Invariant 9 under real concurrency: one customer booking several experts at the same time gets
exactly one hold; a hold paused after its check while a late payment of the customer's confirms an
overlapping session ends with one of them, not both (the PostgreSQL constraint catches what the
check could not see; on SQLite the rival waits for the write lock). And the migration that brought
the rule keeps rows that already overlapped rather than failing."""
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from serene.bookings.lifecycle import BLOCKING_STATUSES
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.selectors import customer_overlap_pairs
from serene.bookings.services import (CustomerBusy, booking_clear_way_to_confirm, booking_confirm_paid,
                                      booking_hold)
from serene.bookings.locks import lock_booking
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at, run_at_once

from .helpers import at, next_weekday

pytestmark = pytest.mark.django_db(transaction=True)
S = BookingStatus


def _experts(count):
    return [ExpertFactory(minimum_notice_hours=0, buffer_minutes=0, offered_durations=[30, 60, 90])
            for _ in range(count)]


def _blocking_of(customer):
    return Booking.objects.filter(customer=customer, status__in=BLOCKING_STATUSES)


def test_one_customer_holding_eight_experts_at_the_same_time_gets_exactly_one(settings):
    settings.MAX_HOLDS_PER_CUSTOMER = 10  # the limit is not what refuses here
    customer, day = UserFactory(), next_weekday()
    experts = _experts(8)
    results = run_at_once([
        lambda expert=expert, minutes=index % 2 * 30: booking_hold(
            customer=customer, expert=expert, starts_at=at(day, 10, minutes), duration_minutes=60)
        for index, expert in enumerate(experts)])
    outcomes = Counter("held" if isinstance(result, Booking) else result for result in results)
    assert outcomes == {"held": 1, CustomerBusy.__name__: 7}, outcomes
    assert _blocking_of(customer).count() == 1 and customer_overlap_pairs() == 0


def _late_confirm(booking_id):
    with transaction.atomic():
        locked = lock_booking(booking_id=booking_id)
        return booking_confirm_paid(locked=locked, now=booking_clear_way_to_confirm(locked=locked))


def test_a_hold_paused_after_its_check_and_a_late_payment_for_the_same_time_keep_one_session():
    """The late payment locks no customer row: only the constraint (PostgreSQL) or the single write
    lock (SQLite) stands between it and the paused hold."""
    sarah, ravi = _experts(2)
    customer, day = UserFactory(), next_weekday()
    late = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    Booking.objects.filter(pk=late.pk).update(status=S.EXPIRED, hold_expires_at=timezone.now() - timedelta(minutes=1))
    with paused_at("serene.bookings.services.customer_busy_with", when="after") as pause:
        holding = pause.run(lambda: booking_hold(customer=customer, expert=ravi, starts_at=at(day, 10, 30),
                                                 duration_minutes=60))
        paying = pause.run_rival(lambda: _late_confirm(late.pk))
        pause.release()
    if connection.vendor == "postgresql":
        # The late payment saw a free time and kept its session; the paused hold meets the constraint.
        assert paying.result() is True
        with pytest.raises(CustomerBusy):
            holding.result()
    else:
        # The late payment waited for the paused hold's write lock, then saw the hold and gave way.
        assert holding.result().status == S.PENDING
        assert paying.result() is False
    assert _blocking_of(customer).count() == 1 and customer_overlap_pairs() == 0


def test_a_hold_paused_after_its_check_makes_the_same_customers_rival_hold_wait_then_hear_customer_busy():
    sarah, ravi = _experts(2)
    customer, day = UserFactory(), next_weekday()
    with paused_at("serene.bookings.services.customer_busy_with", when="after") as pause:
        first = pause.run(lambda: booking_hold(customer=customer, expert=sarah, starts_at=at(day, 10),
                                               duration_minutes=60))
        rival = pause.run_rival(lambda: booking_hold(customer=customer, expert=ravi, starts_at=at(day, 10),
                                                     duration_minutes=30))
        assert not rival.finished(0)  # waiting for the customer's row (or SQLite's write lock)
        pause.release()
    assert first.result().status == S.PENDING
    with pytest.raises(CustomerBusy):
        rival.result()
    assert _blocking_of(customer).count() == 1


def test_migration_0009_keeps_rows_that_already_overlapped_and_puts_the_rest_under_the_rule():
    sarah, ravi = _experts(2)
    customer, day = UserFactory(), next_weekday()
    executor = MigrationExecutor(connection)
    executor.migrate([("bookings", "0008_indexes_for_bounded_lists")])
    stored = connection.ops.adapt_datetimefield_value  # as the ORM writes an instant, on either database
    try:
        with connection.cursor() as cursor:
            for expert, hour in ((sarah, 10), (ravi, 10), (ravi, 13)):
                starts = at(day, hour)
                cursor.execute(
                    "INSERT INTO bookings_booking (public_id, customer_id, expert_id, starts_at, ends_at, blocked_until,"
                    " duration_minutes, price_minor, currency, status, customer_time_zone, customer_note,"
                    " cancellation_reason, money_outcome, reschedule_count, review, video_room, created_at, updated_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, 60, 100, 'INR', 'confirmed', '', '', '', '', 0, '', %s, %s, %s)",
                    [f"00000000-0000-0000-0000-00000000{hour:02d}{expert.pk % 100:02d}", customer.pk, expert.pk,
                     *map(stored, (starts, starts + timedelta(hours=1), starts + timedelta(hours=1))),
                     f"room-{expert.pk}-{hour}", stored(timezone.now()), stored(timezone.now())])
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    rows = dict(Booking.objects.filter(customer=customer).values_list("id", "customer_overlap_grandfathered"))
    assert sorted(rows.values()) == [False, False, True]
    first_id = min(rows)
    assert rows[first_id] is False  # the earliest written of the two that overlapped stays under the rule
    # The kept row still counts as the customer's busy time.
    with pytest.raises(CustomerBusy):
        booking_hold(customer=customer, expert=ExpertFactory(minimum_notice_hours=0, buffer_minutes=0),
                     starts_at=at(day, 10), duration_minutes=60)
