"""The emulator's webhook delivery (retry, delay) and the reconciliation task being scheduled."""
import json
import time

import pytest
import requests

from serene.bookings.models import Booking
from serene.payments.sandbox.models import SandboxWebhook
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(client, sandbox):
    ExpertFactory(slug="sarah", minimum_notice_hours=0)
    client.force_login(UserFactory())
    body = {"currency": "INR", "duration": 60, "startsAt": at(next_weekday(), 10).isoformat(), "notes": {"expertId": "sarah"}}
    return client.post("/api/v1/payments/create-order", data=json.dumps(body), content_type="application/json").json()


def _pay(sandbox, settings, order_id):
    return requests.post(f"{sandbox.url}/sandbox/razorpay/checkout/pay", timeout=60, json={
        "key": settings.RAZORPAY_KEY_ID, "order_id": order_id, "method": "card", "card_number": "4111111111111111"}).json()


def test_a_webhook_answered_with_non_2xx_is_retried_then_marked_failed(sandbox, settings, order):
    settings.RAZORPAY_SANDBOX_WEBHOOK_URL = f"{sandbox.url}/no-such-endpoint"
    settings.RAZORPAY_SANDBOX_WEBHOOK_MAX_ATTEMPTS = 3
    _pay(sandbox, settings, order["orderId"])
    webhooks = list(SandboxWebhook.objects.all())
    assert [w.event for w in webhooks] == ["payment.authorized", "payment.captured", "order.paid"]
    assert all(w.status == "failed" and w.attempts == 3 and w.last_response == "HTTP 404" for w in webhooks)


def test_delayed_webhooks_still_arrive(sandbox, settings, order):
    settings.RAZORPAY_SANDBOX_WEBHOOK_DELAY_SECONDS = 1
    began = time.monotonic()
    _pay(sandbox, settings, order["orderId"])
    assert time.monotonic() - began >= 1
    assert SandboxWebhook.objects.filter(status="delivered").count() == 3
    assert Booking.objects.get().status == "confirmed"


def test_reconciliation_is_queued_for_after_the_hold_expires(client, sandbox, settings):
    from django_tasks_db.models import DBTaskResult
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # the production backend
    ExpertFactory(slug="meera", minimum_notice_hours=0)
    client.force_login(UserFactory())
    body = {"currency": "INR", "duration": 60, "startsAt": at(next_weekday(), 11).isoformat(), "notes": {"expertId": "meera"}}
    created = client.post("/api/v1/payments/create-order", data=json.dumps(body), content_type="application/json").json()
    queued = DBTaskResult.objects.get(task_path="serene.payments.tasks.payment_reconcile")
    booking = Booking.objects.get()
    assert queued.args_kwargs["args"] == [created["orderId"]]
    assert (queued.run_after - booking.hold_expires_at).total_seconds() == settings.RECONCILE_AFTER_HOLD_SECONDS
