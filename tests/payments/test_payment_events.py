"""Payments publish their changes as domain events (serene/payments/signals.py), inside the
transaction of each: every payment and refund move of an order's life, in order."""
import pytest

from serene.bookings.models import Booking
from serene.payments import signals
from serene.payments.cancellations import booking_cancel_with_refund
from serene.payments.models import Payment, PaymentEvent, PaymentSource, PaymentStatus, Refund, RefundEvent
from tests.bookings.helpers import at, next_weekday
from tests.events import catch
from tests.factories import UserFactory

from .helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db


def test_an_orders_life_is_published_move_by_move(client, sandbox, sarah, quiet):
    customer = UserFactory()
    client.force_login(customer)
    with catch(payment=signals.payment_moved, refund=signals.refund_moved) as caught:
        order = create_order(client, starts=at(next_weekday(days_ahead=9), 10)).json()
        verify(client, pay(sandbox, order["orderId"]))
        booking_cancel_with_refund(booking_id=Booking.objects.get(customer=customer).pk, by=customer)
    payment = Payment.objects.get(gateway_order_id=order["orderId"])
    refund = Refund.objects.get(payment=payment)
    payment_moves = [(event.payload.from_status, event.payload.to_status, event.payload.source)
                     for event in caught if event.name == "payment"]
    assert payment_moves == list(PaymentEvent.objects.filter(payment=payment)
                                 .values_list("from_status", "to_status", "source"))
    assert (PaymentStatus.CREATED, PaymentStatus.CAPTURED, PaymentSource.GATEWAY) in payment_moves
    refund_moves = [(event.payload.from_status, event.payload.to_status) for event in caught if event.name == "refund"]
    assert refund_moves == list(RefundEvent.objects.filter(refund=refund).values_list("from_status", "to_status"))
    assert refund_moves and all(event.payload.refund.pk == refund.pk for event in caught if event.name == "refund")
    assert all(event.in_transaction for event in caught)
    assert all(event.payload.event.pk and event.payload.at == event.payload.event.at for event in caught)
