"""The expert's answers through the API and the pages, with real money: accepting keeps the payment,
declining and the expert cancelling refund it in full at the gateway (the emulator records each
refund), and a rival move at the same moment (the customer rescheduling or cancelling) cannot make
a second refund or leave the booking half moved."""
import json

import pytest

from serene.bookings.lifecycle import MoveNotAllowed
from serene.bookings.models import Actor, Booking, BookingStatus, MoneyOutcome
from serene.bookings.services import booking_reschedule
from serene.core.errors import InvalidInput
from serene.payments.cancellations import booking_cancel_with_refund, booking_reject_with_refund
from serene.payments.models import Payment, PaymentStatus
from serene.payments.sandbox.models import SandboxRefund
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at

from .helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sarah(settings):
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 30  # a rival waits on the paused path's locks, it does not give up
    return ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)


@pytest.fixture
def meera():
    return ExpertFactory(slug="meera", hourly_rate_minor=150000, minimum_notice_hours=0, requires_approval=True)


def _paid(client, sandbox, *, expert="sarah", hour=10) -> Booking:
    customer = UserFactory()
    client.force_login(customer)
    order = create_order(client, starts=at(next_weekday(), hour), expert=expert).json()
    verify(client, pay(sandbox, order["orderId"]))
    return Booking.objects.get(public_id=order["sessionId"])


def _post(client, user, path, body=None):
    client.force_login(user)
    return client.post(path, data=json.dumps(body) if body is not None else "", content_type="application/json")


# --- API ----------------------------------------------------------------------------------------------

def test_the_expert_accepts_through_the_api_and_the_payment_is_kept(client, sandbox, meera):
    booking = _paid(client, sandbox, expert="meera")
    answer = _post(client, meera.user, f"/api/v1/sessions/{booking.public_id}/accept")
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["paymentStatus"], answer.json()["refund"]) == (
        "confirmed", "captured", None)
    again = _post(client, meera.user, f"/api/v1/sessions/{booking.public_id}/accept")
    assert again.status_code == 409 and again.json()["error"]["code"] == "move_not_allowed"
    assert SandboxRefund.objects.count() == 0


def test_the_expert_declines_through_the_api_and_the_gateway_refunds_in_full(client, sandbox, meera):
    booking = _paid(client, sandbox, expert="meera")
    path = f"/api/v1/sessions/{booking.public_id}/reject"
    for body in (None, {}, {"reason": "   "}):
        refused = _post(client, meera.user, path, body)
        assert refused.status_code == 400, body
        assert refused.json()["error"]["code"] == "invalid"
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.AWAITING_APPROVAL
    answer = _post(client, meera.user, path, {"reason": "I am away that week."})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["paymentStatus"], body["refund"]["status"], body["refund"]["amount"]) == (
        "rejected", "refunded", "processed", 1500)
    booking.refresh_from_db()
    assert (booking.money_outcome, booking.cancellation_reason) == (MoneyOutcome.REFUNDED_IN_FULL,
                                                                    "I am away that week.")
    assert SandboxRefund.objects.get().amount == 150000


def test_the_expert_cancelling_inside_the_window_still_refunds_in_full_and_needs_a_reason(client, sandbox, sarah,
                                                                                         settings):
    booking = _paid(client, sandbox)
    settings.CANCELLATION_WINDOW_HOURS = 24 * 60  # the session now starts inside the customer's window
    path = f"/api/v1/sessions/{booking.public_id}/cancel"
    assert _post(client, sarah.user, path).status_code == 400  # the expert says why
    answer = _post(client, sarah.user, path, {"reason": "I am unwell, sorry."})
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    booking.refresh_from_db()
    assert booking.money_outcome == MoneyOutcome.REFUNDED_IN_FULL
    event = booking.events.get(from_status=BookingStatus.CONFIRMED, to_status=BookingStatus.CANCELLED)
    assert (event.actor, event.actor_user, event.reason) == (Actor.EXPERT, sarah.user, "I am unwell, sorry.")
    assert SandboxRefund.objects.get().amount == 150000


def test_the_customer_cancelling_late_through_the_same_endpoint_gets_nothing_back(client, sandbox, sarah, settings):
    booking = _paid(client, sandbox)
    settings.CANCELLATION_WINDOW_HOURS = 24 * 60
    answer = _post(client, booking.customer, f"/api/v1/sessions/{booking.public_id}/cancel")  # no reason needed
    assert answer.status_code == 200 and answer.json()["paymentStatus"] == PaymentStatus.CAPTURED
    assert Booking.objects.get(pk=booking.pk).money_outcome == MoneyOutcome.NOT_REFUNDED
    assert SandboxRefund.objects.count() == 0


def test_no_show_only_after_the_start_and_the_payment_is_kept(client, sandbox, sarah):
    booking = _paid(client, sandbox)
    path = f"/api/v1/sessions/{booking.public_id}/no-show"
    early = _post(client, sarah.user, path)
    assert early.status_code == 400 and early.json()["error"]["code"] == "too_early"
    shift = booking.starts_at - (booking.starts_at.replace(year=booking.starts_at.year - 1))
    Booking.objects.filter(pk=booking.pk).update(starts_at=booking.starts_at - shift, ends_at=booking.ends_at - shift,
                                                 blocked_until=booking.blocked_until - shift)
    answer = _post(client, sarah.user, path, {"reason": "Waited 20 minutes."})
    assert answer.status_code == 200 and answer.json()["status"] == "no-show"
    assert Payment.objects.get().status == PaymentStatus.CAPTURED and SandboxRefund.objects.count() == 0
    accept = _post(client, sarah.user, f"/api/v1/sessions/{booking.public_id}/cancel", {"reason": "Too late."})
    assert accept.status_code == 409


# --- pages --------------------------------------------------------------------------------------------

def test_declining_from_the_page_asks_for_a_reason_then_refunds(client, sandbox, meera):
    booking = _paid(client, sandbox, expert="meera")
    client.force_login(meera.user)
    url = f"/expert/sessions/{booking.public_id}/reject"
    missing = client.post(url, {"reason": " ", "next": "/expert/dashboard/"})
    assert missing.status_code == 400 and "Please give a reason" in missing.content.decode()
    done = client.post(url, {"reason": "Fully booked that day.", "next": "/expert/dashboard/"}, follow=True)
    assert done.redirect_chain == [("/expert/dashboard/", 302)]
    assert "is refunded the full amount" in done.content.decode()
    assert Booking.objects.get(pk=booking.pk).money_outcome == MoneyOutcome.REFUNDED_IN_FULL
    assert SandboxRefund.objects.get().amount == 150000
    again = client.post(url, {"reason": "Again.", "next": "/expert/dashboard/"})  # a second tab, say
    assert again.status_code == 409 and "cannot become rejected" in again.content.decode()
    assert SandboxRefund.objects.count() == 1


def test_a_next_address_elsewhere_is_ignored(client, sandbox, meera):
    booking = _paid(client, sandbox, expert="meera")
    client.force_login(meera.user)
    answer = client.post(f"/expert/sessions/{booking.public_id}/accept", {"next": "https://evil.example/"})
    assert answer.status_code == 302 and answer["Location"] == "/expert/dashboard/"


# --- races ----------------------------------------------------------------------------------------------

def _one_refund_in_full(booking: Booking) -> None:
    booking.refresh_from_db()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUNDED_IN_FULL)
    assert Payment.objects.get(booking=booking).status == PaymentStatus.REFUNDED
    assert SandboxRefund.objects.count() == 1


def test_the_expert_cancelling_holds_its_locks_and_the_customer_rescheduling_then_hears_it_is_cancelled(
        client, sandbox, sarah):
    booking = _paid(client, sandbox)
    new_start = at(next_weekday(), 12)
    with paused_at("serene.bookings.moves.booking_move", when="after") as pause:  # cancelled, not committed
        cancel = pause.run(lambda: booking_cancel_with_refund(booking_id=booking.pk, by=sarah.user,
                                                              reason="I am unwell."))
        move = pause.run_rival(lambda: booking_reschedule(booking_id=booking.pk, by=booking.customer,
                                                          starts_at=new_start), wait=1.0)
        assert not move.finished(0), "the reschedule waits for the cancel's lock"
        pause.release()
    assert cancel.result().status == BookingStatus.CANCELLED
    with pytest.raises(InvalidInput) as refused:
        move.result()
    assert refused.value.code == "not_reschedulable"
    _one_refund_in_full(booking)
    assert Booking.objects.get(pk=booking.pk).starts_at == booking.starts_at  # not moved


def test_the_customer_rescheduling_holds_its_locks_and_the_expert_then_cancels_the_moved_session(
        client, sandbox, sarah):
    booking = _paid(client, sandbox)
    new_start = at(next_weekday(), 12)
    with paused_at("serene.bookings.services.booking_record_note", when="after") as pause:  # moved, not committed
        move = pause.run(lambda: booking_reschedule(booking_id=booking.pk, by=booking.customer, starts_at=new_start))
        cancel = pause.run_rival(lambda: booking_cancel_with_refund(booking_id=booking.pk, by=sarah.user,
                                                                    reason="I am unwell."), wait=1.0)
        assert not cancel.finished(0), "the cancel waits for the reschedule's lock"
        pause.release()
    assert move.result().starts_at == new_start
    assert cancel.result().status == BookingStatus.CANCELLED
    _one_refund_in_full(booking)
    assert Booking.objects.get(pk=booking.pk).starts_at == new_start  # the moved time, now freed


def test_the_expert_declining_and_the_customer_cancelling_at_once_refund_once(client, sandbox, meera, settings):
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 30
    booking = _paid(client, sandbox, expert="meera")
    with paused_at("serene.bookings.moves.booking_move", when="after") as pause:  # declined, not committed
        reject = pause.run(lambda: booking_reject_with_refund(booking_id=booking.pk, by=meera.user, reason="Away."))
        cancel = pause.run_rival(lambda: booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer),
                                 wait=1.0)
        assert not cancel.finished(0), "the cancel waits for the decline's lock"
        pause.release()
    assert reject.result().status == BookingStatus.REJECTED
    with pytest.raises(MoveNotAllowed):
        cancel.result()
    booking.refresh_from_db()
    assert booking.money_outcome == MoneyOutcome.REFUNDED_IN_FULL and SandboxRefund.objects.count() == 1
