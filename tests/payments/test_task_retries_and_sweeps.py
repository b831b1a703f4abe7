"""Background work that is retried and runs by itself: payment tasks retried with backoff on the
database queue while the gateway is down, webhook events re-driven by the sweep, and the sweep the
scheduler queues at start-up settling a payment captured while the hold is still live."""
import json
import logging
import socket
import threading
from datetime import timedelta

import pytest
import requests
from django.db import connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from serene.bookings.models import Booking, BookingStatus
from serene.core.scheduler import scheduler_build
from serene.payments import sweeps
from serene.payments.models import Payment, PaymentStatus, WebhookEvent
from serene.payments.sandbox.models import SandboxWebhook
from serene.payments.sandbox.services import webhook_signature
from tests.bookings.helpers import at, next_weekday
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WEBHOOK_HANDLE = "serene.payments.tasks.webhook_handle"
PAYMENT_RECONCILE = "serene.payments.tasks.payment_reconcile"


@pytest.fixture
def database_queue(settings):
    """The production task backend: tasks wait in the database until a worker runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def gateway_down(sandbox, settings):
    """Switches the payment gateway off (a local port nobody listens on) and back on."""
    class Switch:
        def off(self):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            settings.RAZORPAY_API_BASE = f"http://127.0.0.1:{port}"

        def on(self):
            settings.RAZORPAY_API_BASE = f"{sandbox.url}/sandbox/razorpay"
    return Switch()


def run_due_tasks():
    """What `manage.py db_worker --batch` does: run every task that is due, then stop."""
    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test-worker", excluded_queue_names=[]).run()


def make_due(result: DBTaskResult):
    """Bring a deferred task forward to now, as the passing of time would."""
    DBTaskResult.objects.filter(pk=result.pk).update(run_after=timezone.now())


def _order(client, *, starts):
    body = {"currency": "INR", "duration": 60, "startsAt": starts.isoformat(), "notes": {"expertId": "sarah"}}
    response = client.post("/api/v1/payments/create-order", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def _pay(sandbox, settings, order_id):
    return requests.post(f"{sandbox.url}/sandbox/razorpay/checkout/pay", timeout=30, json={
        "key": settings.RAZORPAY_KEY_ID, "order_id": order_id, "method": "card", "card_number": "4111111111111111"}).json()


def _deliver(client, body: str, event_id: str):
    response = client.post("/api/v1/payments/webhook", data=body, content_type="application/json",
                           HTTP_X_RAZORPAY_SIGNATURE=webhook_signature(body), HTTP_X_RAZORPAY_EVENT_ID=event_id)
    assert response.status_code == 200, response.content


def _paid_order_with_its_captured_webhook(client, sandbox, settings):
    client.force_login(UserFactory())
    order = _order(client, starts=at(next_weekday(), 10))
    _pay(sandbox, settings, order["orderId"])
    return order, SandboxWebhook.objects.get(event="payment.captured")


def test_a_webhook_task_that_cannot_reach_the_gateway_is_retried_later_and_then_books(
        client, sandbox, settings, sarah, quiet, database_queue, gateway_down):
    order, captured = _paid_order_with_its_captured_webhook(client, sandbox, settings)
    gateway_down.off()
    _deliver(client, captured.body, captured.event_id)
    event = WebhookEvent.objects.get()
    run_due_tasks()

    first = DBTaskResult.objects.get(task_path=WEBHOOK_HANDLE, status="FAILED")
    assert first.exception_class_path == "serene.payments.razorpay.PaymentGatewayError"
    retry = DBTaskResult.objects.get(task_path=WEBHOOK_HANDLE, status="READY")
    assert retry.args_kwargs == {"args": [event.pk], "kwargs": {"attempt": 2}}
    first_delay = timedelta(seconds=settings.TASK_RETRY_FIRST_DELAY_SECONDS)
    assert first.started_at + first_delay <= retry.run_after <= first.finished_at + first_delay * 1.1
    assert Booking.objects.get().status == BookingStatus.PENDING
    event.refresh_from_db()
    assert event.handled_at is None and "could not reach the payment provider" in event.error

    run_due_tasks()  # not due yet: nothing runs
    assert DBTaskResult.objects.get(pk=retry.pk).status == "READY"

    gateway_down.on()
    make_due(retry)
    run_due_tasks()
    assert DBTaskResult.objects.get(pk=retry.pk).status == "SUCCESSFUL"
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    assert Payment.objects.get(gateway_order_id=order["orderId"]).status == PaymentStatus.CAPTURED
    event.refresh_from_db()
    assert event.handled_at is not None and event.error == ""
    assert not DBTaskResult.objects.filter(task_path=WEBHOOK_HANDLE, status="READY").exists()


def test_the_reconciliation_after_a_hold_is_retried_while_the_gateway_is_down(
        client, sandbox, settings, sarah, database_queue, gateway_down):
    settings.RAZORPAY_SANDBOX_WEBHOOK_DROP = True  # the customer paid, closed the tab, and every webhook was lost
    client.force_login(UserFactory())
    order = _order(client, starts=at(next_weekday(), 10))
    _pay(sandbox, settings, order["orderId"])
    reconcile = DBTaskResult.objects.get(task_path=PAYMENT_RECONCILE)
    gateway_down.off()
    make_due(reconcile)
    run_due_tasks()
    retry = DBTaskResult.objects.get(task_path=PAYMENT_RECONCILE, status="READY")
    assert retry.args_kwargs == {"args": [order["orderId"]], "kwargs": {"attempt": 2}}
    assert retry.run_after > timezone.now()

    gateway_down.on()
    make_due(retry)
    run_due_tasks()
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_a_task_that_fails_for_good_is_not_retried(client, sandbox, settings, sarah, database_queue):
    body = json.dumps({"entity": "event", "event": "payment.captured", "contains": ["payment"],
                       "payload": {"payment": {"entity": {"id": "pay_NoSuchPayment01"}}}})
    _deliver(client, body, "evt_NoSuchPayment01")
    run_due_tasks()
    result = DBTaskResult.objects.get(task_path=WEBHOOK_HANDLE)
    assert result.status == "FAILED" and result.exception_class_path == "serene.payments.razorpay.PaymentRejected"
    assert DBTaskResult.objects.filter(task_path=WEBHOOK_HANDLE).count() == 1


def test_after_the_last_attempt_the_task_is_logged_as_given_up(
        client, sandbox, settings, sarah, quiet, database_queue, gateway_down, caplog):
    settings.TASK_RETRY_MAX_ATTEMPTS = 2
    _, captured = _paid_order_with_its_captured_webhook(client, sandbox, settings)
    gateway_down.off()
    _deliver(client, captured.body, captured.event_id)
    run_due_tasks()
    make_due(DBTaskResult.objects.get(task_path=WEBHOOK_HANDLE, status="READY"))
    with caplog.at_level(logging.ERROR, logger="serene.core.tasks"):
        run_due_tasks()
    assert list(DBTaskResult.objects.filter(task_path=WEBHOOK_HANDLE).values_list("status", flat=True)) == ["FAILED"] * 2
    assert f"Gave up on task {WEBHOOK_HANDLE}({WebhookEvent.objects.get().pk}) after 2 attempts" in caplog.text


def test_the_sweep_re_drives_a_webhook_event_that_was_never_handled(client, sandbox, settings, sarah, quiet, gateway_down):
    """With tasks run at once (no retries), a webhook handled while the gateway was down stays unhandled."""
    _, captured = _paid_order_with_its_captured_webhook(client, sandbox, settings)
    gateway_down.off()
    _deliver(client, captured.body, captured.event_id)
    gateway_down.on()
    event = WebhookEvent.objects.get()
    assert event.handled_at is None and Booking.objects.get().status == BookingStatus.PENDING

    assert sweeps.payments_sweep_scheduled().webhook_events_redriven == 0  # too recent: its retries may be under way
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(seconds=settings.WEBHOOK_REDRIVE_AFTER_SECONDS + 1))
    assert sweeps.payments_sweep_scheduled().webhook_events_redriven == 1
    event.refresh_from_db()
    assert event.handled_at is not None
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    assert sweeps.payments_sweep_scheduled().webhook_events_redriven == 0


def test_the_sweep_does_not_queue_an_event_whose_retry_is_already_waiting(
        client, sandbox, settings, sarah, quiet, database_queue, gateway_down):
    settings.TASK_RETRY_MAX_ATTEMPTS = 2
    _, captured = _paid_order_with_its_captured_webhook(client, sandbox, settings)
    gateway_down.off()
    _deliver(client, captured.body, captured.event_id)
    run_due_tasks()
    WebhookEvent.objects.update(received_at=timezone.now() - timedelta(minutes=10))
    assert sweeps.webhook_events_redrive(older_than=timedelta(minutes=2), within=timedelta(days=1)) == 0
    make_due(DBTaskResult.objects.get(task_path=WEBHOOK_HANDLE, status="READY"))
    run_due_tasks()  # the last attempt fails too: now only the sweep brings the event back
    assert sweeps.webhook_events_redrive(older_than=timedelta(minutes=2), within=timedelta(days=1)) == 1
    assert sweeps.webhook_events_redrive(older_than=timedelta(minutes=2), within=timedelta(days=1)) == 0
    gateway_down.on()
    run_due_tasks()
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_the_start_up_sweep_settles_a_payment_captured_while_its_hold_is_live(client, sandbox, settings, sarah):
    settings.RAZORPAY_SANDBOX_WEBHOOK_DROP = True  # paid while we were down: no callback, no webhook
    client.force_login(UserFactory())
    order = _order(client, starts=at(next_weekday(), 10))
    _pay(sandbox, settings, order["orderId"])
    client.force_login(UserFactory())
    other = _order(client, starts=at(next_weekday(), 15))  # opened by someone else and not paid
    booking = Booking.objects.get(public_id=order["sessionId"])
    assert booking.status == BookingStatus.PENDING and booking.hold_expires_at > timezone.now()

    jobs = {job.id: job for job in scheduler_build().get_jobs()}
    jobs["every:serene.payments.tasks.payments_sweep"].func(**jobs["every:serene.payments.tasks.payments_sweep"].kwargs)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING  # the regular sweep waits for the hold to pass

    at_start = jobs["at-start:serene.payments.tasks.payments_sweep_after_restart"]
    at_start.func(**at_start.kwargs)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert Payment.objects.get(gateway_order_id=order["orderId"]).status == PaymentStatus.CAPTURED
    assert Payment.objects.get(gateway_order_id=other["orderId"]).status == PaymentStatus.CREATED
    assert Booking.objects.get(public_id=other["sessionId"]).status == BookingStatus.PENDING


def test_the_start_up_sweep_is_retried_while_the_gateway_cannot_be_asked(
        client, sandbox, settings, sarah, database_queue, gateway_down):
    settings.RAZORPAY_SANDBOX_WEBHOOK_DROP = True
    client.force_login(UserFactory())
    order = _order(client, starts=at(next_weekday(), 10))
    _pay(sandbox, settings, order["orderId"])
    gateway_down.off()  # the scheduler starts before the web process (and the emulator in it) answers
    at_start = {job.id: job for job in scheduler_build().get_jobs()}["at-start:serene.payments.tasks.payments_sweep_after_restart"]
    at_start.func(**at_start.kwargs)
    run_due_tasks()
    path = "serene.payments.tasks.payments_sweep_after_restart"
    assert DBTaskResult.objects.get(task_path=path, status="FAILED").exception_class_path == "serene.core.errors.ServiceUnavailable"
    retry = DBTaskResult.objects.get(task_path=path, status="READY")
    gateway_down.on()
    make_due(retry)
    run_due_tasks()
    assert DBTaskResult.objects.get(pk=retry.pk).status == "SUCCESSFUL"
    assert Booking.objects.get(public_id=order["sessionId"]).status == BookingStatus.CONFIRMED


def test_start_up_sweeps_racing_the_checkout_callback_confirm_the_booking_once(client, sandbox, settings, sarah):
    """Two schedulers' start-up sweeps and the customer's verify, at once, each with its own connection."""
    from serene.payments.checkout import payment_verify
    settings.RAZORPAY_SANDBOX_WEBHOOK_DROP = True
    customer = UserFactory()
    client.force_login(customer)
    order = _order(client, starts=at(next_weekday(), 10))
    paid = _pay(sandbox, settings, order["orderId"])
    barrier = threading.Barrier(3)
    outcomes = []

    def run(work):
        try:
            barrier.wait()
            work()
            outcomes.append("done")
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    works = [lambda: sweeps.payments_sweep_scheduled(after_restart=True)] * 2 + [
        lambda: payment_verify(customer=customer, order_id=paid["razorpay_order_id"], payment_id=paid["razorpay_payment_id"],
                               signature=paid["razorpay_signature"])]
    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes == ["done"] * 3
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    payment = Payment.objects.get()
    assert (payment.status, payment.gateway_payment_id) == (PaymentStatus.CAPTURED, paid["razorpay_payment_id"])
    assert not payment.refunds.exists()
