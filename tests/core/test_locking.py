"""The lock helper: only inside a transaction, and conflicts retried at the outermost transaction."""
import pytest
from django.db import OperationalError, transaction

from serene.bookings.locks import lock_booking
from serene.experts.locks import lock_expert
from serene.core.backoff import Backoff
from serene.core.errors import NotFound
from serene.core.locking import Busy, LockOutsideTransaction, retry_on_lock_conflict


@pytest.mark.django_db(transaction=True)
def test_locks_outside_a_transaction_are_refused():
    with pytest.raises(LockOutsideTransaction):
        lock_expert(expert_id=1)


@pytest.mark.django_db
def test_locking_a_booking_that_does_not_exist_is_a_404():
    with pytest.raises(NotFound), transaction.atomic():
        lock_booking(booking_id=987654)


@pytest.mark.django_db(transaction=True)
def test_a_conflict_met_by_a_nested_service_is_retried_by_the_outermost_one():
    calls = []

    @retry_on_lock_conflict
    @transaction.atomic
    def inner():
        calls.append("inner")
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return "done"

    @retry_on_lock_conflict
    @transaction.atomic
    def outer():
        return inner()

    assert outer() == "done"
    assert calls == ["inner", "inner"]


@pytest.mark.django_db(transaction=True)
def test_a_conflict_that_lasts_becomes_busy_when_the_budget_is_spent():
    attempts = []

    @retry_on_lock_conflict(backoff=Backoff(lock_timeout=0.05, budget=0.3, first_delay=0.01, max_delay=0.02))
    @transaction.atomic
    def always_locked():
        attempts.append(1)
        raise OperationalError("database is locked")

    with pytest.raises(Busy) as error:
        always_locked()
    assert error.value.status == 503 and error.value.code == "busy" and len(attempts) >= 2


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried():
    attempts = []

    @retry_on_lock_conflict
    @transaction.atomic
    def broken():
        attempts.append(1)
        raise OperationalError("no such table: nothing")

    with pytest.raises(OperationalError):
        broken()
    assert attempts == [1]

