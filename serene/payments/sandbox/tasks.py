"""Webhook delivery for the emulator: POST each signed event, retrying on any non-2xx answer."""
from __future__ import annotations

import logging
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.utils import timezone
from django_tasks import default_task_backend, task

from .models import SandboxWebhook
from .services import webhook_signature

logger = logging.getLogger(__name__)


def webhook_send(webhook: SandboxWebhook) -> bool:
    """One delivery attempt, as Razorpay makes it: raw body, signature and event id headers, 5 s."""
    webhook.attempts += 1
    try:
        response = requests.post(webhook.url, data=webhook.body.encode(), timeout=5, headers={
            "Content-Type": "application/json", "X-Razorpay-Signature": webhook_signature(webhook.body),
            "X-Razorpay-Event-Id": webhook.event_id, "User-Agent": "Razorpay-Webhook/v1 (Serene sandbox)"})
        delivered = 200 <= response.status_code < 300
        webhook.last_response = f"HTTP {response.status_code}"
    except requests.RequestException as error:
        delivered = False
        webhook.last_response = str(error)[:200]
    webhook.status = "delivered" if delivered else ("failed" if webhook.attempts >= settings.RAZORPAY_SANDBOX_WEBHOOK_MAX_ATTEMPTS
                                                    else "pending")
    webhook.save(update_fields=["attempts", "last_response", "status"])
    return delivered


@task()
def sandbox_webhooks_deliver(webhook_ids: list[int], delayed: bool = False) -> None:
    delay = settings.RAZORPAY_SANDBOX_WEBHOOK_DELAY_SECONDS
    can_defer = default_task_backend.supports_defer
    if delay and not delayed:
        if can_defer:
            sandbox_webhooks_deliver.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(webhook_ids, True)
            return
        time.sleep(delay)
    for webhook_id in webhook_ids:
        webhook = SandboxWebhook.objects.get(pk=webhook_id)
        if webhook.status == "dropped":
            continue
        while not webhook_send(webhook) and webhook.status == "pending":
            if can_defer:  # Razorpay backs off; so do we, through the queue
                backoff = timedelta(seconds=2 ** webhook.attempts)
                sandbox_webhooks_deliver.using(run_after=timezone.now() + backoff).enqueue([webhook_id], True)
                break
            time.sleep(0.05 * webhook.attempts)
