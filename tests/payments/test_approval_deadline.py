"""Waiting for approval has an end: a booking the expert never answers is declined by the system
APPROVAL_DEADLINE_HOURS before its start and refunded in full, once; the expert approving at that
very moment and the sweep cannot both win."""
from datetime import timedelta

import pytest

from serene.bookings.lifecycle import MoveNotAllowed
from serene.bookings.models import Actor, Booking, BookingStatus, MoneyOutcome
from serene.bookings.moves import booking_approve
from serene.payments.cancellations import (REJECTED_REFUND_REASON, UNANSWERED_REASON, approvals_expire,
                                           booking_cancel_with_refund, booking_reject_with_refund)
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from serene.payments.sandbox.models import SandboxPayment, SandboxRefund
from serene.payments.tasks import approvals_expire as approvals_expire_task
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at

from .helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def meera(settings):
    settings.APPROVAL_DEADLINE_HOURS = 2
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 30  # a rival waits on the paused path's locks, it does not give up
    return ExpertFactory(slug="meera", hourly_rate_minor=150000, minimum_notice_hours=0, requires_approval=True)


def _awaiting(client, sandbox, *, hour=10) -> Booking:
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), hour), expert="meera").json()
    assert verify(client, pay(sandbox, order["orderId"])).json()["status"] == BookingStatus.AWAITING_APPROVAL
    return Booking.objects.get(public_id=order["sessionId"])


def _past_the_deadline(booking: Booking):
    return booking.starts_at - timedelta(hours=1)  # the deadline (2 h before) has passed, the session not yet


def test_an_unanswered_booking_is_declined_by_the_system_and_refunded_in_full_once(client, sandbox, meera):
    booking = _awaiting(client, sandbox)
    assert approvals_expire(now=booking.starts_at - timedelta(hours=3)) == 0  # the expert still has time
    assert approvals_expire(now=_past_the_deadline(booking)) == 1
    booking.refresh_from_db()
    assert (booking.status, booking.money_outcome) == (BookingStatus.REJECTED, MoneyOutcome.REFUNDED_IN_FULL)
    declined = booking.events.get(from_status=BookingStatus.AWAITING_APPROVAL, to_status=BookingStatus.REJECTED)
    assert (declined.actor, declined.actor_user, declined.reason) == (Actor.SYSTEM, None, UNANSWERED_REASON)
    refund = Refund.objects.get()
    assert (refund.status, refund.amount_minor, refund.reason) == (RefundStatus.PROCESSED, 150000,
                                                                   REJECTED_REFUND_REASON)
    assert Payment.objects.get().status == PaymentStatus.REFUNDED
    assert SandboxPayment.objects.get().status == "refunded"
    assert approvals_expire(now=_past_the_deadline(booking)) == 0  # run again: nothing more
    assert approvals_expire(now=booking.ends_at + timedelta(days=1)) == 0
    assert SandboxRefund.objects.count() == 1


def test_the_scheduled_task_declines_sessions_whose_deadline_has_passed(client, sandbox, meera, settings):
    booking = _awaiting(client, sandbox)
    settings.APPROVAL_DEADLINE_HOURS = 24 * 60  # the session now starts inside the deadline
    assert approvals_expire_task.call() == 1
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REJECTED


def test_answered_and_later_bookings_are_left_alone(client, sandbox, meera):
    approved, declined, cancelled = (_awaiting(client, sandbox, hour=hour) for hour in (10, 12, 14))
    later = _awaiting(client, sandbox, hour=16)
    booking_approve(booking_id=approved.pk, by=meera.user)
    booking_reject_with_refund(booking_id=declined.pk, by=meera.user, reason="Away that day.")
    booking_cancel_with_refund(booking_id=cancelled.pk, by=cancelled.customer)
    refunds_before = SandboxRefund.objects.count()
    # The deadline has passed for 10:00 to 14:00, not for 16:00.
    assert approvals_expire(now=at(next_weekday(), 13)) == 0
    statuses = {booking.pk: booking.status for booking in Booking.objects.all()}
    assert statuses == {approved.pk: BookingStatus.CONFIRMED, declined.pk: BookingStatus.REJECTED,
                        cancelled.pk: BookingStatus.CANCELLED, later.pk: BookingStatus.AWAITING_APPROVAL}
    assert Booking.objects.get(pk=declined.pk).events.get(from_status=BookingStatus.AWAITING_APPROVAL,
                                                          to_status=BookingStatus.REJECTED).actor == Actor.EXPERT
    assert SandboxRefund.objects.count() == refunds_before == 2


# --- the expert approving while the sweep declines ------------------------------------------------

def _money_is_consistent(booking: Booking) -> None:
    booking.refresh_from_db()
    payment = Payment.objects.get(booking=booking)
    if booking.status == BookingStatus.CONFIRMED:
        assert (payment.status, booking.money_outcome) == (PaymentStatus.CAPTURED, MoneyOutcome.NONE)
        assert SandboxRefund.objects.count() == 0
    else:
        assert booking.status == BookingStatus.REJECTED
        assert (payment.status, booking.money_outcome) == (PaymentStatus.REFUNDED, MoneyOutcome.REFUNDED_IN_FULL)
        assert SandboxRefund.objects.count() == 1


def test_the_sweep_declining_holds_its_locks_and_the_expert_approving_then_hears_it_is_too_late(client, sandbox,
                                                                                                  meera):
    booking = _awaiting(client, sandbox)
    with paused_at("serene.payments.cancellations.booking_move", when="after") as pause:  # declined, not committed
        sweep = pause.run(lambda: approvals_expire(now=_past_the_deadline(booking)))
        approve = pause.run_rival(lambda: booking_approve(booking_id=booking.pk, by=meera.user), wait=1.0)
        assert not approve.finished(0), "the approval waits for the sweep's lock"
        pause.release()
    assert sweep.result() == 1
    with pytest.raises(MoveNotAllowed):
        approve.result()
    _money_is_consistent(booking)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REJECTED


def test_the_expert_approving_holds_its_locks_and_the_sweep_then_leaves_the_booking_alone(client, sandbox, meera):
    booking = _awaiting(client, sandbox)
    with paused_at("serene.bookings.moves.booking_move", when="after") as pause:  # approved, not committed
        approve = pause.run(lambda: booking_approve(booking_id=booking.pk, by=meera.user))
        sweep = pause.run_rival(lambda: approvals_expire(now=_past_the_deadline(booking)), wait=1.0)
        assert not sweep.finished(0), "the sweep waits for the approval's lock"
        pause.release()
    assert approve.result().status == BookingStatus.CONFIRMED
    assert sweep.result() == 0
    _money_is_consistent(booking)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_a_booking_approved_after_the_sweep_listed_it_is_left_alone(client, sandbox, meera):
    booking = _awaiting(client, sandbox)
    with paused_at("serene.payments.cancellations._reject_unanswered_in_transaction") as pause:  # listed, not locked
        sweep = pause.run(lambda: approvals_expire(now=_past_the_deadline(booking)))
        pause.run_rival(lambda: booking_approve(booking_id=booking.pk, by=meera.user)).result()
        pause.release()
    assert sweep.result() == 0
    _money_is_consistent(booking)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
