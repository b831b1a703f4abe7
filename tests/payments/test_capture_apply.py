"""events.py applying a late capture whose time is taken while its booking is still pending (the flow
tests reach it with the booking expired already, since every new hold expires lapsed ones first)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from serene.bookings.models import Booking, BookingEvent, BookingStatus, MoneyOutcome
from serene.bookings.selectors import LATE_PAYMENT_REFUNDED
from serene.bookings.services import HOLD_RAN_OUT
from serene.payments.models import Payment, PaymentStatus
from tests.bookings.helpers import at, next_weekday
from tests.factories import UserFactory

from .helpers import create_order, pay, verify

pytestmark = [pytest.mark.django_db(transaction=True),
              # PostgreSQL's no-overlap constraint counts a pending row whatever its hold: the rival
              # below cannot be written there, so this state cannot arise.
              pytest.mark.sqlite]


def test_a_late_capture_whose_time_is_taken_expires_the_pending_hold_and_owes_the_money_back(client, sandbox,
                                                                                              sarah, quiet):
    start = at(next_weekday(), 10)
    client.force_login(UserFactory())
    order = create_order(client, starts=start).json()
    ours = Booking.objects.get(public_id=order["sessionId"])
    client.force_login(UserFactory())
    rival = Booking.objects.get(public_id=create_order(client, starts=at(next_weekday(), 14)).json()["sessionId"])
    # Our hold lapsed and, without its being marked, the rival came to hold the same time, confirmed.
    Booking.objects.filter(pk=ours.pk).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    Booking.objects.filter(pk=rival.pk).update(starts_at=ours.starts_at, ends_at=ours.ends_at,
                                               blocked_until=ours.blocked_until, status=BookingStatus.CONFIRMED,
                                               hold_expires_at=None)
    client.force_login(ours.customer)
    assert verify(client, pay(sandbox, order["orderId"])).json()["status"] == "expired"
    ours.refresh_from_db()
    assert ours.status == BookingStatus.EXPIRED and ours.money_outcome == MoneyOutcome.REFUNDED_IN_FULL
    moved = BookingEvent.objects.get(booking=ours, from_status=BookingStatus.PENDING, to_status=BookingStatus.EXPIRED)
    assert (moved.actor, moved.reason) == ("system", HOLD_RAN_OUT)
    payment = Payment.objects.get(gateway_order_id=order["orderId"])
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_reason == LATE_PAYMENT_REFUNDED
