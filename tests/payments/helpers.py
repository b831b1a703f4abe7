"""Shared steps of the payment tests: our API over the test client, the emulator over real HTTP."""
from __future__ import annotations

import json
import threading

import requests
from django.conf import settings
from django.db import connections
from django.test import Client

from serene.payments.sandbox.models import SandboxWebhook
from serene.payments.sandbox.services import webhook_signature
from serene.payments.sandbox.tasks import webhook_send

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


def emulator(sandbox, path: str, body: dict | None = None) -> requests.Response:
    """POST to the emulator with the API key pair: its Razorpay API, its Dashboard or its simulate controls."""
    return requests.post(f"{sandbox.url}/sandbox/razorpay/{path}", json=body or {}, timeout=60,
                         auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET))


def refunds_fail(sandbox, order_id: str, count: int = 1) -> None:
    """The bank turns down the next `count` refunds of this order's payments (refund.failed)."""
    response = emulator(sandbox, f"simulate/orders/{order_id}/refund-failures", {"count": count})
    assert response.status_code == 200, response.content


def refunds_stay_pending(sandbox, order_id: str, count: int = 1) -> None:
    """The next `count` refunds of this order's payments stay pending until refund_settle (as a
    normal-speed refund does for days at Razorpay)."""
    response = emulator(sandbox, f"simulate/orders/{order_id}/refunds-pending", {"count": count})
    assert response.status_code == 200, response.content


def refund_settle(sandbox, refund_id: str, status: str) -> dict:
    """The bank finishes a pending refund: processed, or failed."""
    response = emulator(sandbox, f"simulate/refunds/{refund_id}/settle", {"status": status})
    assert response.status_code == 200, response.content
    return response.json()


def pay_captured(sandbox, order_id: str, **body) -> dict:
    """A captured payment on the order whatever its state (a second capture; with amount or currency, a
    payment that differs from its order). Returns Checkout's signed result for it."""
    response = emulator(sandbox, f"simulate/orders/{order_id}/pay", body)
    assert response.status_code == 200, response.content
    return response.json()


def dashboard_refund(sandbox, payment_id: str, **body) -> dict:
    """A refund made by hand in the Razorpay Dashboard, outside Serene."""
    response = emulator(sandbox, f"dashboard/payments/{payment_id}/refund", body)
    assert response.status_code == 200, response.content
    return response.json()


def webhook_mark() -> int:
    """The newest webhook the emulator has recorded so far (0 for none)."""
    return SandboxWebhook.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def webhooks_send_recorded(*, after: int = 0) -> list[SandboxWebhook]:
    """Send, over HTTP and in order, the webhooks the emulator recorded but has not sent
    (RAZORPAY_SANDBOX_WEBHOOKS_SEND off): Razorpay's order, where a call is answered before its
    webhooks arrive. Whatever they cause at the gateway is sent too, until nothing is left."""
    sent = []
    while True:
        waiting = list(SandboxWebhook.objects.filter(pk__gt=after, status="pending").order_by("pk"))
        if not waiting:
            return sent
        for webhook in waiting:
            assert webhook_send(webhook), webhook.last_response
            sent.append(webhook)


def webhooks_resend(webhooks: list[SandboxWebhook]) -> None:
    """Razorpay sends an event again (same event id), as it does when it did not hear a 2xx in time."""
    for webhook in webhooks:
        assert webhook_send(webhook), webhook.last_response


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
