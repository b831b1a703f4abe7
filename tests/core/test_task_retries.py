"""Which failures a task retries (real lock errors from the database, gateway and domain errors), and
how long it waits between attempts."""
import sqlite3
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, connections, transaction

from serene.accounts.models import User
from serene.core.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from serene.core.tasks import error_is_retryable, retry_delay
from serene.payments.razorpay import PaymentGatewayError, PaymentRejected
from tests.factories import UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_lock_timeout_is_retried():
    user = UserFactory()
    rival = connections.create_connection("default")
    try:
        with rival.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT id FROM accounts_user WHERE id = %s FOR UPDATE", [user.pk])
            with pytest.raises(OperationalError) as raised, transaction.atomic():
                with connection.cursor() as ours:
                    ours.execute("SET LOCAL lock_timeout = '50ms'")
                User.objects.select_for_update().get(pk=user.pk)
            cursor.execute("ROLLBACK")
    finally:
        rival.close()
    assert raised.value.__cause__.sqlstate == "55P03"
    assert error_is_retryable(raised.value)
    try:
        raise Conflict("Someone else is changing this; try again.") from raised.value
    except Conflict as domain_error:  # a lock timeout turned into a domain error is still retried
        assert error_is_retryable(domain_error)


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_a_locked_sqlite_database_is_retried():
    connection.ensure_connection()
    rival = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    rival.execute("BEGIN IMMEDIATE")
    connection.connection.execute("PRAGMA busy_timeout = 50")
    try:
        with pytest.raises(OperationalError) as raised:
            UserFactory()
    finally:
        rival.execute("ROLLBACK")
        rival.close()
        connection.connection.execute(f"PRAGMA busy_timeout = {int(connection.settings_dict['OPTIONS']['timeout'] * 1000)}")
    assert "database is locked" in str(raised.value)
    assert error_is_retryable(raised.value)


def test_gateway_and_busy_errors_are_retried_and_mistakes_are_not():
    assert error_is_retryable(ServiceUnavailable())
    assert error_is_retryable(PaymentGatewayError("We could not reach the payment provider."))
    for final in (PaymentRejected("The id provided does not exist"), InvalidInput(), NotFound(), Conflict(),
                  ValueError("bad data"), OperationalError("no such table: payments_payment")):
        assert not error_is_retryable(final), final


def test_an_error_can_say_itself_whether_it_is_retried():
    class StillBusy(InvalidInput):
        retryable = True

    class NeverAgain(ServiceUnavailable):
        retryable = False

    assert error_is_retryable(StillBusy()) and not error_is_retryable(NeverAgain())


def test_the_wait_grows_by_the_factor_from_the_first_delay(settings):
    settings.TASK_RETRY_FIRST_DELAY_SECONDS = 10
    settings.TASK_RETRY_BACKOFF_FACTOR = 3
    for attempt, seconds in ((1, 10), (2, 30), (3, 90), (6, 2430)):
        delay = retry_delay(attempt=attempt)
        assert timedelta(seconds=seconds) <= delay <= timedelta(seconds=seconds * 1.1), (attempt, delay)
