"""A customer's cancellation at the edges of the window, with the clock moved: at least
CANCELLATION_WINDOW_HOURS before the start refunds the full amount through the gateway (the
emulator records the refund), a minute later refunds nothing. The cancel page says which before
the customer confirms, by the same rule."""
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.payments.models import Refund, RefundStatus
from serene.payments.sandbox.models import SandboxPayment, SandboxRefund
from tests.bookings.helpers import at, next_weekday
from tests.factories import UserFactory

from .helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)


def _booked(client, sandbox) -> Booking:
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), 10), expert="sarah").json()
    assert verify(client, pay(sandbox, order["orderId"])).json()["status"] == BookingStatus.CONFIRMED
    return Booking.objects.get(public_id=order["sessionId"])


def clock_at(instant):
    """Every timezone.now() in the process (services, pages, the emulator's Django side) reads `instant`."""
    return mock.patch("django.utils.timezone.now", return_value=instant)


@pytest.mark.parametrize(("before_start", "refunded"), [
    (timedelta(hours=24, minutes=1), True),
    (timedelta(hours=24), True),               # exactly the window: still in full
    (timedelta(hours=23, minutes=59), False),
])
def test_the_refund_at_the_edges_of_the_window(client, sandbox, sarah, settings, before_start, refunded):
    settings.CANCELLATION_WINDOW_HOURS = 24
    booking = _booked(client, sandbox)
    with clock_at(booking.starts_at - before_start):
        page = client.get(f"/sessions/{booking.public_id}/cancel").content.decode()
        assert ("You get ₹1,500 back" in page) == refunded
        assert ("No refund" in page) == (not refunded)
        answer = client.post(f"/sessions/{booking.public_id}/cancel", {"reason": "Plans changed."})
    assert answer.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    if refunded:
        assert booking.money_outcome == MoneyOutcome.REFUNDED_IN_FULL
        refund = Refund.objects.get()
        assert (refund.amount_minor, refund.status) == (150000, RefundStatus.PROCESSED)
        gateway_refund = SandboxRefund.objects.get()
        assert (gateway_refund.id, gateway_refund.amount) == (refund.gateway_refund_id, 150000)
        assert SandboxPayment.objects.get().amount_refunded == 150000
    else:
        assert booking.money_outcome == MoneyOutcome.NOT_REFUNDED
        assert Refund.objects.count() == 0 and SandboxRefund.objects.count() == 0
        assert SandboxPayment.objects.get().amount_refunded == 0


def test_the_api_cancel_follows_the_same_edges(client, sandbox, sarah, settings):
    settings.CANCELLATION_WINDOW_HOURS = 24
    early, late = _booked(client, sandbox), None
    with clock_at(early.starts_at - timedelta(hours=24)):
        answer = client.post(f"/api/v1/sessions/{early.public_id}/cancel", content_type="application/json")
    assert answer.status_code == 200 and answer.json()["refundedAmount"] == 1500
    late = _booked(client, sandbox)
    with clock_at(late.starts_at - timedelta(hours=23, minutes=59)):
        answer = client.post(f"/api/v1/sessions/{late.public_id}/cancel", content_type="application/json")
    assert answer.status_code == 200 and answer.json()["refundedAmount"] == 0
    assert answer.json()["statusMessage"].endswith("It was cancelled too close to its start for a refund.")
    assert SandboxRefund.objects.count() == 1


def test_a_booking_made_inside_the_window_never_promises_a_free_cancellation(client, sandbox, sarah, settings):
    settings.CANCELLATION_WINDOW_HOURS = 24 * 30  # every bookable time is inside the window now
    booking = _booked(client, sandbox)
    for path in ("/dashboard/", f"/sessions/{booking.public_id}/", f"/sessions/{booking.public_id}/cancel"):
        page = client.get(path).content.decode()
        assert "refunds it in full" not in page and "You get" not in page and "Free cancellation" not in page, path
    assert "would not be refunded" in client.get(f"/sessions/{booking.public_id}/").content.decode()
    assert timezone.now() < booking.starts_at


def test_cancelling_twice_at_once_refunds_once(client, sandbox, sarah):
    from serene.payments.cancellations import booking_cancel_with_refund
    from tests.interleave import run_at_once

    booking = _booked(client, sandbox)
    results = run_at_once([lambda: booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer)] * 4)
    assert sum(isinstance(result, Booking) for result in results) == 1, results
    assert SandboxRefund.objects.count() == 1 and Refund.objects.count() == 1
    booking.refresh_from_db()
    assert booking.money_outcome == MoneyOutcome.REFUNDED_IN_FULL
