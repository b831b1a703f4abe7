"""GET /api/v1/sessions reads a constant number of queries, however many sessions it lists."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db


def _sessions(customer, expert, count: int, first_hour: int) -> None:
    """count sessions, each paid; every third cancelled with a processed refund and a failed one."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    for n in range(count):
        starts_at = start + timedelta(hours=first_hour + 2 * n)
        cancelled = n % 3 == 2
        booking = Booking.objects.create(
            customer=customer, expert=expert, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
            blocked_until=starts_at + timedelta(hours=1), duration_minutes=60, price_minor=150000,
            status=BookingStatus.CANCELLED if cancelled else BookingStatus.CONFIRMED,
            money_outcome=MoneyOutcome.REFUNDED_IN_FULL if cancelled else MoneyOutcome.NONE)
        Payment.objects.create(booking=booking, gateway_order_id=f"order_old{first_hour}_{n}", amount_minor=150000,
                               currency="INR", status=PaymentStatus.FAILED)
        payment = Payment.objects.create(booking=booking, gateway_order_id=f"order_{first_hour}_{n}",
                                         gateway_payment_id=f"pay_{first_hour}_{n}", amount_minor=150000,
                                         currency="INR",
                                         status=PaymentStatus.REFUNDED if cancelled else PaymentStatus.CAPTURED)
        if cancelled:
            Refund.objects.create(payment=payment, gateway_refund_id=f"rfnd_a{first_hour}_{n}", amount_minor=150000,
                                  reason="cancelled", status=RefundStatus.FAILED)
            Refund.objects.create(payment=payment, gateway_refund_id=f"rfnd_b{first_hour}_{n}", amount_minor=150000,
                                  reason="cancelled", status=RefundStatus.PROCESSED)


def _listed(client) -> tuple[list[dict], int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/sessions")
    assert response.status_code == 200
    return response.json()["sessions"], len(queries)


def test_listing_ten_sessions_costs_the_same_queries_as_one(client):
    customer, expert = UserFactory(), ExpertFactory(minimum_notice_hours=0)
    client.force_login(customer)
    _sessions(customer, expert, 1, first_hour=0)
    one, queries_for_one = _listed(client)
    _sessions(customer, expert, 9, first_hour=1)
    ten, queries_for_ten = _listed(client)
    assert (len(one), len(ten)) == (1, 10)
    assert queries_for_ten == queries_for_one, (queries_for_one, queries_for_ten)
    # The prefetched reads answer as the one-at-a-time ones did: the newest paid payment and its refunds.
    cancelled = [session for session in ten if session["status"] == "cancelled"]
    assert len(cancelled) == 3
    for session in cancelled:
        assert session["paymentId"].startswith("pay_") and session["paymentStatus"] == "refunded"
        assert session["refund"]["status"] == "processed" and session["refundedAmount"] == 1500
    for session in ten:
        if session["status"] == "confirmed":
            assert session["refund"] is None and session["refundedAmount"] == 0
            assert session["paymentStatus"] == "captured"


def test_each_listed_session_matches_the_single_session_answer(client):
    customer, expert = UserFactory(), ExpertFactory(minimum_notice_hours=0)
    client.force_login(customer)
    _sessions(customer, expert, 6, first_hour=0)
    listed, _ = _listed(client)
    for session in listed:
        single = client.get(f"/api/v1/sessions/{session['id']}").json()["session"]
        assert single == session


def test_the_list_is_paged_by_limit_and_cursor_every_session_once(client):
    customer = UserFactory()
    _sessions(customer, ExpertFactory(), 7, first_hour=0)
    client.force_login(customer)
    seen, cursor, pages = [], None, 0
    while True:
        response = client.get("/api/v1/sessions", {"limit": 3, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200
        body = response.json()
        seen += [session["startsAt"] for session in body["sessions"]]
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 7 == len(set(seen)) and seen == sorted(seen)


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "cursor=not-a-cursor", "cursor=" + "A" * 300])
def test_a_bad_limit_or_cursor_is_a_400(client, query):
    client.force_login(UserFactory())
    response = client.get(f"/api/v1/sessions?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["success"] is False
