"""Section 2: the races between a payment being applied and other writers, each forced at its worst
moment (one path paused at a named point, its rival run there) and then as a storm of threads."""
from datetime import timedelta

import pytest
from django.utils import timezone

from serene.bookings.models import Booking, BookingEvent, BookingStatus, MoneyOutcome
from serene.bookings.selectors import LATE_PAYMENT_REFUNDED, blocking_overlap_pairs, session_status_message
from serene.bookings.services import booking_hold
from serene.core.errors import SlotTaken
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from serene.payments.sandbox.models import SandboxPayment, SandboxWebhook
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at

from .helpers import create_order, deliver, pay, same_session, storm, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sarah(settings):
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 30  # a rival waits on the paused path's locks, it does not give up
    return ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0, buffer_minutes=0)


def _late_payment(client, sandbox, *, start):
    """A customer holds `start`, lets the hold run out, then pays: captured at the gateway, not yet applied."""
    customer = UserFactory()
    client.force_login(customer)
    order = create_order(client, starts=start).json()
    Booking.objects.filter(public_id=order["sessionId"]).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    return customer, order, pay(sandbox, order["orderId"])


def _owner_of_the_time() -> list[Booking]:
    now = timezone.now()
    return [booking for booking in Booking.objects.all()
            if booking.status in (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL)
            or (booking.status == BookingStatus.PENDING and booking.hold_expires_at > now)]


# --- (a) a late payment's confirm against another customer's new hold ---------------------------

def test_a_late_confirm_holding_its_locks_makes_a_new_hold_wait_then_hear_slot_taken(client, sandbox, sarah, quiet):
    """Used to deadlock on PostgreSQL: the confirm held the booking and wanted the expert while the
    hold held the expert and wanted the booking."""
    start = at(next_weekday(), 10)
    _, order, paid = _late_payment(client, sandbox, start=start)
    rival = UserFactory()
    with paused_at("serene.payments.events.booking_confirm_paid") as pause:  # inside the transaction, locks held
        confirm = pause.run(lambda: verify(client, paid))
        hold = pause.run_rival(lambda: booking_hold(customer=rival, expert=sarah, starts_at=start, duration_minutes=60),
                               wait=1.0)
        pause.release()
    assert confirm.result().status_code == 200 and confirm.result().json()["status"] == "confirmed"
    with pytest.raises(SlotTaken):
        hold.result()
    assert [booking.public_id for booking in _owner_of_the_time()] == [Booking.objects.get(
        public_id=order["sessionId"]).public_id]
    assert Refund.objects.count() == 0


def test_a_new_hold_holding_its_locks_makes_a_late_payment_wait_then_refunds_it(client, sandbox, sarah, quiet):
    start = at(next_weekday(), 10)
    late_customer, order, paid = _late_payment(client, sandbox, start=start)
    rival = UserFactory()
    with paused_at("serene.bookings.services._requested_slot") as pause:  # inside booking_hold, after its locks
        hold = pause.run(lambda: booking_hold(customer=rival, expert=sarah, starts_at=start, duration_minutes=60))
        confirm = pause.run_rival(lambda: verify(client, paid), wait=1.0)
        pause.release()
    assert hold.result().status == BookingStatus.PENDING
    answer = confirm.result()
    assert answer.status_code == 200 and answer.json()["status"] == "expired", answer.content
    late = Booking.objects.get(public_id=order["sessionId"])
    assert late.money_outcome == MoneyOutcome.REFUNDED_IN_FULL
    assert Refund.objects.get().status == RefundStatus.PROCESSED
    # One wording, bookings' own, for the refund's reason and for the page.
    assert Refund.objects.get().reason == LATE_PAYMENT_REFUNDED == session_status_message(booking=late)
    assert SandboxPayment.objects.get(id=paid["razorpay_payment_id"]).status == "refunded"
    assert [booking.customer for booking in _owner_of_the_time()] == [rival]


def test_storm_late_payments_and_new_holds_for_one_slot(client, sandbox, sarah, quiet):
    start = at(next_weekday(), 11)
    late = [_late_payment(client, sandbox, start=start) for _ in range(3)]
    verifiers = []
    for customer, _, paid in late:
        verifier = same_session(client)
        verifier.force_login(customer)
        verifiers.append((verifier, paid))
    newcomers = [UserFactory() for _ in range(3)]
    results = storm([lambda v=v, p=p: verify(v, p) for v, p in verifiers]
                    + [lambda c=c: booking_hold(customer=c, expert=sarah, starts_at=start, duration_minutes=60)
                       for c in newcomers])
    verified, held = results[:3], results[3:]
    assert all(getattr(answer, "status_code", answer) == 200 for answer in verified), verified
    assert all(isinstance(outcome, (Booking, SlotTaken)) for outcome in held), held
    assert len(_owner_of_the_time()) == 1 and blocking_overlap_pairs() == 0
    # Every late payment ends: in the one kept booking, or refunded in full.
    for _, order, _ in late:
        booking = Booking.objects.get(public_id=order["sessionId"])
        assert booking.status == BookingStatus.CONFIRMED or booking.money_outcome == MoneyOutcome.REFUNDED_IN_FULL
    kept = sum(Booking.objects.get(public_id=order["sessionId"]).status == BookingStatus.CONFIRMED for _, order, _ in late)
    assert Refund.objects.filter(status=RefundStatus.PROCESSED).count() == 3 - kept


# --- (b) verify against the webhooks of the same payment -----------------------------------------

def test_verify_paused_after_fetching_while_the_webhook_confirms_confirms_once(client, sandbox, sarah, quiet):
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    paid = pay(sandbox, order["orderId"])
    captured = SandboxWebhook.objects.get(event="payment.captured")
    webhook_client = same_session(client)
    with paused_at("serene.payments.events.payment_apply") as pause:  # verify has the payment, not yet applied
        confirm = pause.run(lambda: verify(client, paid))
        webhook = pause.run_rival(lambda: deliver(webhook_client, captured))
        assert webhook.result().status_code == 200
        pause.release()
    assert confirm.result().json()["status"] == "confirmed"
    booking = Booking.objects.get()
    assert BookingEvent.objects.filter(booking=booking, to_status=BookingStatus.CONFIRMED).count() == 1
    assert Payment.objects.get().status == PaymentStatus.CAPTURED and Refund.objects.count() == 0


def test_storm_verify_and_every_webhook_twice(client, sandbox, sarah, quiet):
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    paid = pay(sandbox, order["orderId"])
    webhooks = list(SandboxWebhook.objects.all()) * 2
    calls = [lambda: verify(same_session(client), paid), lambda: verify(same_session(client), paid)]
    calls += [lambda webhook=webhook: deliver(same_session(client), webhook) for webhook in webhooks]
    answers = storm(calls)
    assert [getattr(answer, "status_code", answer) for answer in answers] == [200] * len(calls)
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED
    assert BookingEvent.objects.filter(booking=booking, to_status=BookingStatus.CONFIRMED).count() == 1
    assert Payment.objects.get().status == PaymentStatus.CAPTURED and Refund.objects.count() == 0
