"""Gateway webhooks: verify the raw body, store the event once, handle it once by re-fetching the
truth from the gateway (never by trusting the body)."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from serene.core.errors import AppError, InvalidInput

from .errors import InvalidSignature
from .events import payment_sync
from .gateway import GatewayEventKind, get_gateway, webhook_parse
from .models import WebhookEvent


def webhook_receive(*, body: str, signature: str, event_id: str) -> tuple[WebhookEvent, bool]:
    """Check the signature over the raw body and store the event once. Returns (event, is_new)."""
    if not signature or not get_gateway().webhook_signature_valid(body=body, signature=signature):
        raise InvalidSignature("The webhook signature does not match.")
    if not event_id or len(event_id) > 60:
        raise InvalidInput("The X-Razorpay-Event-Id header is missing.", field="X-Razorpay-Event-Id")
    event_type = webhook_parse(body).type
    with transaction.atomic():
        event, created = WebhookEvent.objects.get_or_create(gateway_event_id=event_id,
                                                            defaults={"event_type": event_type, "body": body})
        if created:
            from .tasks import webhook_handle
            transaction.on_commit(lambda: webhook_handle.enqueue(event.pk))
    return event, created


def webhook_handle_event(*, event_pk: int) -> None:
    """Act on a stored event by re-fetching the truth from the gateway.

    An event marked handled is skipped. The check is not under a lock, so the task and the sweep may
    both run one event; that is safe because handling is idempotent: it applies the gateway's current
    state under the rows' locks, and applying it twice changes nothing the second time.

    A payment event re-applies the payment; a refund event also re-reads the payment's refunds (a
    refund that failed, or one made in the Razorpay Dashboard).
    """
    event = WebhookEvent.objects.get(pk=event_pk)
    if event.handled_at is not None:
        return
    parsed = webhook_parse(event.body)
    try:
        if parsed.kind != GatewayEventKind.OTHER and parsed.payment_id:
            payment_sync(gateway_payment_id=parsed.payment_id, sync_refunds=parsed.kind == GatewayEventKind.REFUND)
    except AppError as error:
        WebhookEvent.objects.filter(pk=event_pk).update(error=error.message[:240])
        raise
    WebhookEvent.objects.filter(pk=event_pk).update(handled_at=timezone.now(), error="")
