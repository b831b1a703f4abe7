"""A payment is locked last: after its booking's expert and the booking (the one lock order)."""
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from serene.bookings.services import booking_hold
from serene.core.errors import NotFound
from serene.payments.locks import lock_payment_with_booking
from serene.payments.models import Payment
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

TABLES = {"experts_expert": "expert", "bookings_booking": "booking", "payments_payment": "payment"}


@pytest.mark.django_db
def test_a_payment_is_locked_after_its_expert_and_its_booking():
    booking = booking_hold(customer=UserFactory(), expert=ExpertFactory(minimum_notice_hours=0),
                           starts_at=at(next_weekday(), 10), duration_minutes=60)
    payment = Payment.objects.create(booking=booking, status="created", amount_minor=booking.price_minor,
                                     currency=booking.currency, gateway_order_id="order_lock_order")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = lock_payment_with_booking(payment_id=payment.pk)
    assert (locked.expert.pk, locked.booking.pk, locked.payment.pk) == (booking.expert_id, booking.pk, payment.pk)
    # Each row read whole by its primary key: on PostgreSQL with FOR UPDATE, on SQLite under BEGIN IMMEDIATE.
    row_reads = [(TABLES[table], query["sql"]) for query in queries.captured_queries for table in TABLES
                 if query["sql"].startswith(f'SELECT "{table}"."id", ')]
    assert [kind for kind, _ in row_reads] == ["expert", "booking", "payment"]
    if connection.vendor == "postgresql":
        assert all("FOR UPDATE" in sql for _, sql in row_reads)


@pytest.mark.django_db
def test_locking_a_payment_that_does_not_exist_is_a_404():
    with pytest.raises(NotFound), transaction.atomic():
        lock_payment_with_booking(payment_id=987654)
