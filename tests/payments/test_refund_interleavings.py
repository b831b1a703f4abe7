"""A refund's own path against what the gateway says of it meanwhile, each forced at its worst moment:
our refund paused where the gateway has answered and nothing is written yet, or where it is claimed
and not yet asked, while the emulator's webhooks (or staff in the Razorpay Dashboard) run."""
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from serene.bookings.models import Booking, MoneyOutcome
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at

from .helpers import create_order, dashboard_refund, pay, refunds_fail, verify, webhooks_send_recorded

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sarah(settings):
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 30
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False  # the rival sends them, at the paused moment
    return ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)


def _late_payment(client, sandbox):
    """A late payment for a time someone else holds now, captured at the gateway and not yet applied:
    verifying it refunds it in full."""
    start = at(next_weekday(), 10)
    customer = UserFactory()
    client.force_login(customer)
    order = create_order(client, starts=start).json()
    Booking.objects.filter(public_id=order["sessionId"]).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(UserFactory())
    assert create_order(client, starts=start).status_code == 200
    client.force_login(customer)
    return order, pay(sandbox, order["orderId"])


def _gateway_refunds(sdk, payment_id):
    return sdk.payment.fetch_multiple_refund(payment_id)["items"]


def test_refund_failed_arriving_before_our_answer_is_written_is_matched_and_retried_once(client, sandbox, sdk, sarah):
    order, paid = _late_payment(client, sandbox)
    refunds_fail(sandbox, order["orderId"])
    # Paused once the gateway has answered "pending", before that answer is written down.
    with paused_at("serene.payments.refunds.refunds_record") as pause:
        ours = pause.run(lambda: verify(client, paid))
        assert Refund.objects.get().gateway_refund_id is None  # only our claim, with its receipt
        webhooks = pause.run_rival(webhooks_send_recorded)  # refund.created, refund.failed: the retry
        sent = webhooks.result()
        pause.release()
    assert ours.result().json()["status"] == "expired"
    assert {"refund.created", "refund.failed", "refund.processed"} <= {webhook.event for webhook in sent}
    first, retry = Refund.objects.order_by("pk")
    failed, processed = _gateway_refunds(sdk, paid["razorpay_payment_id"])
    assert (first.gateway_refund_id, first.status, first.external) == (failed["id"], RefundStatus.FAILED, False)
    assert (retry.gateway_refund_id, retry.status, retry.external) == (processed["id"], RefundStatus.PROCESSED, False)
    assert list(first.events.values_list("to_status", flat=True)) == ["created", "failed"]  # the late answer moved nothing
    assert Booking.objects.get(public_id=order["sessionId"]).money_outcome == MoneyOutcome.REFUNDED_IN_FULL


def test_a_dashboard_refund_made_while_ours_is_on_its_way_gives_the_money_back_once(client, sandbox, sdk, sarah):
    order, paid = _late_payment(client, sandbox)
    # Paused after our refund is claimed, before the gateway is asked; staff refund it by hand meanwhile.
    with paused_at("serene.payments.refunds.get_gateway") as pause:
        ours = pause.run(lambda: verify(client, paid))
        staff = pause.run_rival(lambda: (dashboard_refund(sandbox, paid["razorpay_payment_id"]),
                                         webhooks_send_recorded()))
        staff.result()
        pause.release()
    assert ours.result().json()["status"] == "expired"
    webhooks_send_recorded()
    [made] = _gateway_refunds(sdk, paid["razorpay_payment_id"])  # the gateway refused ours: already refunded
    external = Refund.objects.get(external=True)
    assert (external.gateway_refund_id, external.status) == (made["id"], RefundStatus.PROCESSED)
    claim = Refund.objects.get(external=False)
    assert claim.status == RefundStatus.FAILED and "refused" in claim.failure_reason
    payment = Payment.objects.get(gateway_order_id=order["orderId"], stray_of=None)
    assert payment.status == PaymentStatus.REFUNDED and not payment.needs_attention
    assert Booking.objects.get(public_id=order["sessionId"]).money_outcome == MoneyOutcome.REFUNDED_IN_FULL


def test_a_session_read_while_its_refund_is_on_its_way_shows_it_under_way(client, sandbox, sarah):
    """The refund is claimed and Razorpay not yet asked: it has no id yet, and the session still answers."""
    order, paid = _late_payment(client, sandbox)
    viewer = Client()
    viewer.force_login(Booking.objects.get(public_id=order["sessionId"]).customer)
    with paused_at("serene.payments.refunds.get_gateway") as pause:
        ours = pause.run(lambda: verify(client, paid))
        read = pause.run_rival(lambda: viewer.get(f"/api/v1/sessions/{order['sessionId']}")).result()
        pause.release()
    assert ours.result().status_code == 200
    assert read.status_code == 200, read.content
    assert read.json()["refund"] == {"id": None, "amount": 1500, "status": "created"}
    assert read.json()["refundedAmount"] == 0
