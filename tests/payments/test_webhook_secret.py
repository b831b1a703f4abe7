"""A webhook is genuine only when signed with a configured secret; an empty secret proves nothing."""
import hashlib
import hmac
import json

import pytest

from serene.payments.models import WebhookEvent

pytestmark = pytest.mark.django_db

BODY = json.dumps({"entity": "event", "event": "payment.captured", "payload": {}}, separators=(",", ":"))


def _post(client, *, key: str, event_id: str):
    signature = hmac.new(key.encode(), BODY.encode(), hashlib.sha256).hexdigest()
    return client.post("/api/v1/payments/webhook", data=BODY, content_type="application/json",
                       HTTP_X_RAZORPAY_SIGNATURE=signature, HTTP_X_RAZORPAY_EVENT_ID=event_id)


def test_a_webhook_signed_with_an_empty_key_is_refused_when_no_secret_is_set(client, settings):
    settings.RAZORPAY_WEBHOOK_SECRET = ""
    response = _post(client, key="", event_id="evt_EmptyKey000001")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert not WebhookEvent.objects.exists()


def test_the_same_webhook_signed_with_the_configured_secret_is_stored(client, settings):
    settings.RAZORPAY_WEBHOOK_SECRET = "a-configured-secret"
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False
    refused = _post(client, key="", event_id="evt_EmptyKey000002")
    assert refused.status_code == 400
    accepted = _post(client, key="a-configured-secret", event_id="evt_RightKey000001")
    assert accepted.status_code == 200, accepted.content
    assert list(WebhookEvent.objects.values_list("gateway_event_id", flat=True)) == ["evt_RightKey000001"]
