"""The payments page lists a refund once, with its state, however many attempts it took."""
from datetime import datetime, timedelta, timezone

import pytest

from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from serene.payments.selectors import payment_refund_lines
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 5, 12, 9, 0, tzinfo=timezone.utc)


def _paid(customer, outcome):
    starts = NOW + timedelta(days=3)
    booking = Booking.objects.create(customer=customer, expert=ExpertFactory(user__name="Dr. Meera Rao"),
                                     starts_at=starts, ends_at=starts + timedelta(hours=1),
                                     blocked_until=starts + timedelta(hours=1), duration_minutes=60,
                                     price_minor=300000, status=BookingStatus.CANCELLED, money_outcome=outcome,
                                     customer_time_zone="Asia/Kolkata")
    return Payment.objects.create(booking=booking, gateway_order_id=f"order_{booking.pk}",
                                  gateway_payment_id=f"pay_{booking.pk}", amount_minor=300000, currency="INR",
                                  status=PaymentStatus.CAPTURED, captured_at=NOW - timedelta(days=1))


def _attempts(payment, statuses):
    for index, status in enumerate(statuses):
        Refund.objects.create(payment=payment, gateway_refund_id=f"rfnd_{payment.pk}_{index}", amount_minor=300000,
                              status=status)


def test_a_refund_that_failed_three_times_is_one_failed_line(client, time_machine):
    time_machine.move_to(NOW, tick=False)
    customer = UserFactory(name="Asha Verma")
    failed = _paid(customer, MoneyOutcome.REFUND_FAILED)
    _attempts(failed, [RefundStatus.FAILED] * 3)
    recovered = _paid(customer, MoneyOutcome.REFUNDED_IN_FULL)
    _attempts(recovered, [RefundStatus.FAILED, RefundStatus.PROCESSED])
    assert [(line.refund.status, line.attempts) for line in payment_refund_lines(payment=failed)] == [("failed", 3)]
    assert [(line.refund.status, line.attempts) for line in payment_refund_lines(payment=recovered)] == \
        [("processed", 2)]

    client.force_login(customer)
    page = client.get("/dashboard/payments/").content.decode()
    assert page.count("Refund of") == 2
    assert page.count(">Failed</span>") == 1 and "3 attempts" in page and "2 attempts" in page
