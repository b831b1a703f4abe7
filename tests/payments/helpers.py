"""Shared steps of the payment tests: our API over the test client, the emulator over real HTTP."""
from __future__ import annotations

import json
import threading

import requests
from django.conf import settings
from django.db import connections
from django.test import Client

from serene.payments.sandbox.models import SandboxPayment, SandboxRefund, SandboxWebhook, gateway_id
from serene.payments.sandbox.services import webhook_body, webhook_signature

CARD = "4111 1111 1111 1111"


def create_order(client, *, starts, duration=60, amount=None, expert="sarah"):
    body = {"currency": "INR", "duration": duration, "startsAt": starts.isoformat(), "notes": {"expertId": expert}}
    if amount is not None:
        body["amount"] = amount
    return client.post("/api/v1/payments/create-order", data=json.dumps(body), content_type="application/json")


def pay(sandbox, order_id, card=CARD) -> dict:
    """Checkout at the emulator, as the customer's browser does: returns Checkout's signed result."""
    return requests.post(f"{sandbox.url}/sandbox/razorpay/checkout/pay", timeout=30, json={
        "key": settings.RAZORPAY_KEY_ID, "order_id": order_id, "method": "card", "card_number": card}).json()


def verify(client, result):
    return client.post("/api/v1/payments/verify", data=json.dumps(result), content_type="application/json")


def deliver(client, webhook: SandboxWebhook):
    return client.post("/api/v1/payments/webhook", data=webhook.body, content_type="application/json",
                       HTTP_X_RAZORPAY_SIGNATURE=webhook_signature(webhook.body), HTTP_X_RAZORPAY_EVENT_ID=webhook.event_id)


def emulator_webhook(event: str, *, payment: SandboxPayment | None = None, refund: SandboxRefund | None = None):
    """A signed webhook as the emulator would send it for its current state (not sent: deliver() it)."""
    return SandboxWebhook.objects.create(event_id="evt_" + gateway_id("x")[2:], event=event, url="http://unused.test",
                                         body=webhook_body(event, payment=payment, refund=refund))


def same_session(client: Client) -> Client:
    """Another test client on the same signed-in session (one browser sending twice)."""
    twin = Client()
    name = settings.SESSION_COOKIE_NAME
    twin.cookies[name] = client.cookies[name].value
    return twin


def storm(calls) -> list:
    """Run every call at once, each in its own thread with its own connection; return what each got."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 — handed to the test's assertions
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index, call), daemon=True) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
