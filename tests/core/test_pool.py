"""The PostgreSQL connection pool: configured from the settings, and a full pool answers 503 with
Retry-After (JSON for the API, a page otherwise), never a 500."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from psycopg_pool import PoolTimeout

from serene.core.pool import BUSY_MESSAGE, pool_timeout_in

ROOT = Path(__file__).resolve().parents[2]


def test_a_pool_timeout_is_recognised_through_djangos_wrapping():
    from django.db import OperationalError
    try:
        try:
            raise PoolTimeout("couldn't get a connection after 1.00 sec")
        except PoolTimeout as error:
            raise OperationalError(str(error)) from error
    except OperationalError as wrapped:
        assert pool_timeout_in(wrapped)
    assert not pool_timeout_in(OperationalError("database is locked"))
    assert not pool_timeout_in(None)


def _settings_in_a_subprocess(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    base.update({"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "serene.settings", **env})
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                           + code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120)


def test_the_pool_settings_reach_django_and_refuse_a_persistent_connection_age():
    url = "postgresql://serene@db.invalid:5432/serene"
    done = _settings_in_a_subprocess(
        {"DATABASE_URL": url, "DATABASE_POOL_MIN": "3", "DATABASE_POOL_MAX": "7", "DATABASE_POOL_TIMEOUT": "4"},
        "d = settings.DATABASES['default']; print(d['OPTIONS']['pool'], d['CONN_MAX_AGE'])")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'min_size': 3, 'max_size': 7, 'timeout': 4} 0"
    done = _settings_in_a_subprocess({"DATABASE_URL": url, "DATABASE_POOL_MAX": "0", "DATABASE_CONN_MAX_AGE": "60"},
                                     "d = settings.DATABASES['default']; print('pool' in d['OPTIONS'], d['CONN_MAX_AGE'])")
    assert done.returncode == 0 and done.stdout.strip() == "False 60", done.stderr
    done = _settings_in_a_subprocess({"DATABASE_URL": url, "DATABASE_CONN_MAX_AGE": "60"}, "print('started')")
    assert done.returncode != 0 and "DATABASE_CONN_MAX_AGE is above 0 while the connection pool is on" in done.stderr
    done = _settings_in_a_subprocess({"DATABASE_URL": "sqlite:///:memory:"},
                                     "print('pool' in settings.DATABASES['default'].get('OPTIONS', {}))")
    assert done.returncode == 0 and done.stdout.strip() == "False", done.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_full_pool_answers_503_with_retry_after(settings):
    from tests.factories import ExpertFactory
    ExpertFactory(slug="sarah")
    connection.ensure_connection()
    pool = connection.pool
    assert pool is not None and pool.max_size == settings.DATABASE_POOL_MAX
    held = []
    saved_timeout = pool.timeout
    pool.timeout = 0.5  # so the test does not wait DATABASE_POOL_TIMEOUT for each request
    try:
        while True:  # take every connection the pool will give
            try:
                held.append(pool.getconn(timeout=0.5))
            except PoolTimeout:
                break
        answers = {}

        def ask(name, path):
            # A new thread needs its own connection, as each request under ASGI does.
            answers[name] = Client(raise_request_exception=False).get(path)

        for name, path in (("api", "/api/v1/experts"), ("page", "/experts/sarah/")):
            thread = threading.Thread(target=ask, args=(name, path))
            thread.start()
            thread.join(timeout=60)
    finally:
        for conn in held:
            pool.putconn(conn)
        pool.timeout = saved_timeout
    api, page = answers["api"], answers["page"]
    assert api.status_code == 503, api.content
    assert api["Retry-After"] == str(settings.DATABASE_POOL_RETRY_AFTER_SECONDS)
    assert api.json() == {"success": False, "error": {"code": "busy", "message": BUSY_MESSAGE}}
    assert page.status_code == 503 and page["Retry-After"] == str(settings.DATABASE_POOL_RETRY_AFTER_SECONDS)
    assert b"busy for a moment" in page.content
    # With the connections back, the same requests are answered.
    assert Client().get("/api/v1/experts").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_is_given_back_to_the_pool_outside_a_transaction_only():
    from django.db import transaction

    from serene.core.pool import connection_give_back
    connection.ensure_connection()
    free = connection.pool.get_stats()["pool_available"]
    with transaction.atomic():
        connection_give_back()  # a transaction needs its connection: kept
        assert connection.connection is not None
    connection_give_back()
    assert connection.connection is None and connection.pool.get_stats()["pool_available"] == free + 1
    assert connection.cursor().execute("SELECT 1") is not None  # the next query takes one again


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_waiting_on_the_gateway_keeps_no_pooled_connection(client, sandbox, settings):
    """Every gateway call goes through LoggedGateway, which hands the connection back first: a burst of
    create-orders and verifies no longer keeps the pool's connections idle while Razorpay answers."""
    from serene.payments import gateway as gateway_module
    from tests.bookings.helpers import at, next_weekday
    from tests.factories import ExpertFactory, UserFactory
    from tests.payments.helpers import create_order, pay, verify
    from unittest import mock

    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False
    NETWORK_CALLS = {"order_create", "order_payments", "payment_fetch", "payment_capture", "payment_refund",
                     "payment_refunds"}
    held_during_calls: list[bool] = []
    real_get_gateway = gateway_module.get_gateway

    class Watched:
        """The real adapter, noting whether this thread held a connection when each call began."""

        def __init__(self, inner):
            self.inner, self.key_id = inner, inner.key_id

        def __getattr__(self, name):
            method = getattr(self.inner, name)
            if name not in NETWORK_CALLS:
                return method

            def call(*args, **kwargs):
                held_during_calls.append(connection.connection is not None)
                return method(*args, **kwargs)
            return call

    def watched_gateway():
        logged = real_get_gateway()
        logged.inner = Watched(logged.inner)
        return logged

    ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)
    client.force_login(UserFactory())
    with mock.patch("serene.payments.checkout.get_gateway", watched_gateway), \
            mock.patch("serene.payments.events.get_gateway", watched_gateway, create=True):
        order = create_order(client, starts=at(next_weekday(), 10))
        assert order.status_code == 200, order.content
        assert verify(client, pay(sandbox, order.json()["orderId"])).json()["status"] == "confirmed"
    assert held_during_calls and not any(held_during_calls), held_during_calls


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_metrics_show_the_pools_checkouts_and_queueing(client, settings):
    from prometheus_client.parser import text_string_to_metric_families
    settings.METRICS_TOKEN = "a-long-metrics-token"
    assert client.get("/api/v1/experts").status_code == 200
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer a-long-metrics-token").content.decode()
    samples = {sample.name: sample.value for family in text_string_to_metric_families(text) for sample in family.samples}
    assert samples["serene_database_pool_checkouts"] >= 1
    assert 0 <= samples["serene_database_pool_checkouts_queued"] <= samples["serene_database_pool_checkouts"]
    assert samples["serene_database_pool_wait_milliseconds"] >= 0 and samples["serene_database_pool_timeouts"] >= 0
    assert 1 <= samples["serene_database_pool_size"] <= settings.DATABASE_POOL_MAX
    assert "serene_database_pool_available" in samples and "serene_database_pool_waiting" in samples
