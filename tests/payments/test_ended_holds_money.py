"""A hold that ended without being kept (cancelled, expired) while its order was still payable: a
payment made on it later, whose webhooks are lost, is still found by the sweep and refunded."""
from datetime import timedelta

import pytest
from django.utils import timezone

from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.payments.cancellations import booking_cancel_with_refund
from serene.payments.models import Payment, PaymentStatus
from serene.payments.reconciliation import payments_sweep
from tests.bookings.helpers import at, next_weekday
from tests.factories import UserFactory

from .helpers import create_order, pay

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_payment_on_a_cancelled_hold_with_every_webhook_lost_is_refunded_by_the_sweep(client, sandbox, sarah,
                                                                                         settings):
    settings.RAZORPAY_SANDBOX_WEBHOOK_DROP = True
    customer = UserFactory()
    client.force_login(customer)
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    booking = booking_cancel_with_refund(booking_id=Booking.objects.get(public_id=order["sessionId"]).pk, by=customer)
    assert booking.status == BookingStatus.CANCELLED and booking.hold_expires_at is not None
    pay(sandbox, order["orderId"])  # another tab pays; no verify, no webhook reaches us
    assert Payment.objects.get().status == PaymentStatus.CREATED

    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=timezone.now() - timedelta(minutes=2))
    assert payments_sweep(older_than=timedelta(minutes=1)) >= 1
    booking.refresh_from_db()
    assert booking.money_outcome == MoneyOutcome.REFUNDED_IN_FULL
    assert Payment.objects.get().status == PaymentStatus.REFUNDED


def test_the_sweep_stops_asking_about_an_unpaid_order_a_day_after_its_hold_ended(client, sandbox, sarah, settings):
    from serene.payments.models import GatewayCall
    settings.OPEN_ORDER_SWEEP_HOURS = 24
    client.force_login(UserFactory())
    recent = create_order(client, starts=at(next_weekday(), 10)).json()
    client.force_login(UserFactory())
    old = create_order(client, starts=at(next_weekday(), 14)).json()
    Booking.objects.filter(public_id=recent["sessionId"]).update(hold_expires_at=timezone.now() - timedelta(hours=2))
    Booking.objects.filter(public_id=old["sessionId"]).update(hold_expires_at=timezone.now() - timedelta(hours=25))
    before = GatewayCall.objects.count()
    assert payments_sweep(older_than=timedelta(minutes=1)) == 1
    asked = list(GatewayCall.objects.order_by("pk")[before:].values_list("order_id", flat=True))
    assert recent["orderId"] in asked and old["orderId"] not in asked
