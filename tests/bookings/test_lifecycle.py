"""The booking lifecycle: the table, the recorded moves, and the services that make them."""
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from serene.bookings.locks import lock_booking, lock_bookings
from serene.bookings import lifecycle
from serene.bookings.lifecycle import MoveNotAllowed, booking_move
from serene.bookings.models import Actor, Booking, BookingEvent, BookingStatus
from serene.bookings.moves import (booking_approve, booking_cancel, booking_mark_no_show, booking_reject,
                                   bookings_complete_finished)
from serene.bookings.services import TooManyHolds, booking_hold, booking_reschedule
from serene.core.errors import Forbidden, InvalidInput, NotFound, SlotTaken
from tests.factories import ExpertFactory, UserFactory

from .helpers import at, next_weekday

pytestmark = pytest.mark.django_db
S = BookingStatus


@pytest.fixture
def sarah():
    return ExpertFactory(minimum_notice_hours=0, buffer_minutes=0, offered_durations=[30, 60, 90])


def paid(booking: Booking, status: str = S.CONFIRMED) -> Booking:
    """A held booking moved on as a captured payment would move it."""
    with transaction.atomic():
        locked = lock_booking(booking_id=booking.pk).booking
        return booking_move(booking=locked, to=status, actor=Actor.SYSTEM, reason="Paid.")


def confirmed(expert, *, starts, customer=None, duration=60, status=S.CONFIRMED) -> Booking:
    held = booking_hold(customer=customer or UserFactory(), expert=expert, starts_at=starts, duration_minutes=duration)
    return paid(held, status)


def timeline(booking: Booking) -> list[tuple[str, str, str]]:
    return list(BookingEvent.objects.filter(booking=booking).values_list("from_status", "to_status", "actor"))


# --- The table ------------------------------------------------------------------------------------

def test_blocking_states_are_derived_from_the_table():
    assert set(lifecycle.BLOCKING_STATUSES) == {S.PENDING, S.AWAITING_APPROVAL, S.CONFIRMED}
    assert lifecycle.FIRMLY_BLOCKING_STATUSES == (S.AWAITING_APPROVAL, S.CONFIRMED)
    assert set(lifecycle.STATES) == set(S.values)


def test_final_states_have_no_way_out_and_every_state_is_reachable():
    sources = {source for source, _ in lifecycle.MOVES}
    targets = {target for _, target in lifecycle.MOVES}
    assert not sources & {S.CANCELLED, S.REJECTED, S.NO_SHOW}
    assert set(S.values) - {S.PENDING} <= targets


@pytest.mark.postgres
def test_the_database_constraint_blocks_exactly_the_lifecycles_blocking_states():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'booking_no_overlap'")
        definition = cursor.fetchone()[0]
    named = {status for status in S.values if f"'{status}'" in definition}
    assert named == set(lifecycle.BLOCKING_STATUSES), definition


def test_a_move_is_recorded_with_who_and_why(sarah):
    customer = UserFactory()
    booking = booking_hold(customer=customer, expert=sarah, starts_at=at(next_weekday(), 10), duration_minutes=60)
    paid(booking)
    event = BookingEvent.objects.filter(booking=booking).last()
    assert (event.from_status, event.to_status, event.actor, event.reason) == (S.PENDING, S.CONFIRMED, "system", "Paid.")
    assert timeline(booking)[0] == ("", S.PENDING, "customer")
    booking.refresh_from_db()
    assert booking.hold_expires_at is None


@pytest.mark.parametrize(("source", "target", "actor"), [
    (S.CONFIRMED, S.PENDING, Actor.SYSTEM),        # never back to a hold
    (S.PENDING, S.CONFIRMED, Actor.CUSTOMER),      # only a payment confirms
    (S.CONFIRMED, S.COMPLETED, Actor.CUSTOMER),
    (S.AWAITING_APPROVAL, S.CONFIRMED, Actor.CUSTOMER),  # a customer cannot approve their own booking
    (S.CANCELLED, S.CONFIRMED, Actor.SYSTEM),      # a final state stays final
])
def test_moves_outside_the_table_are_refused_and_change_nothing(sarah, source, target, actor):
    booking = booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(next_weekday(), 10), duration_minutes=60)
    Booking.objects.filter(pk=booking.pk).update(status=source)
    before = BookingEvent.objects.count()
    with pytest.raises(MoveNotAllowed) as error, transaction.atomic():
        booking_move(booking=lock_bookings(booking_ids=[booking.pk])[0], to=target, actor=actor)
    assert error.value.status == 409 and error.value.code == "move_not_allowed"
    booking.refresh_from_db()
    assert booking.status == source and BookingEvent.objects.count() == before


# --- Holds ----------------------------------------------------------------------------------------

def test_a_customer_holds_at_most_the_configured_number_of_slots(sarah, settings):
    settings.MAX_HOLDS_PER_CUSTOMER = 2
    customer, day = UserFactory(), next_weekday()
    others = [ExpertFactory(minimum_notice_hours=0) for _ in range(3)]
    first = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 9), duration_minutes=30)
    booking_hold(customer=customer, expert=others[0], starts_at=at(day, 10), duration_minutes=30)
    with pytest.raises(TooManyHolds) as error:
        booking_hold(customer=customer, expert=others[1], starts_at=at(day, 11), duration_minutes=30)
    assert error.value.status == 429 and error.value.code == "too_many_holds"
    paid(first)  # a paid booking is no longer a hold
    assert booking_hold(customer=customer, expert=others[2], starts_at=at(day, 12), duration_minutes=30)
    assert Booking.objects.filter(customer=customer, status=S.PENDING).count() == 2


def test_another_time_with_the_same_expert_replaces_the_earlier_hold_and_frees_it(sarah, settings):
    settings.MAX_HOLDS_PER_CUSTOMER = 1
    customer, day = UserFactory(), next_weekday()
    first = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 9), duration_minutes=30)
    second = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 14), duration_minutes=30)
    first.refresh_from_db()
    assert first.status == S.EXPIRED and second.status == S.PENDING
    assert booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 9), duration_minutes=30)


def test_choosing_another_length_at_a_time_one_holds_replaces_ones_own_hold(sarah):
    customer, day = UserFactory(), next_weekday()
    sixty = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    ninety = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 10), duration_minutes=90)
    sixty.refresh_from_db()
    assert sixty.status == S.EXPIRED and ninety.status == S.PENDING and ninety.pk != sixty.pk
    assert BookingEvent.objects.get(booking=sixty, to_status=S.EXPIRED).reason.startswith("Replaced")
    with pytest.raises(SlotTaken):  # someone else still cannot have it
        booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 11), duration_minutes=30)


# --- Cancel, approve, reject, no-show, complete ----------------------------------------------------

def test_a_customer_cancelling_a_day_ahead_is_refunded_and_frees_the_slot(sarah, settings):
    settings.CANCELLATION_WINDOW_HOURS = 24
    customer, start = UserFactory(), at(next_weekday(days_ahead=3), 10)
    booking = confirmed(sarah, starts=start, customer=customer)
    cancellation = booking_cancel(booking_id=booking.pk, by=customer, reason="Something came up.")
    assert cancellation.refund_due is True
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED and booking.cancelled_by == customer
    assert booking.cancellation_reason == "Something came up."
    assert timeline(booking)[-1] == (S.CONFIRMED, S.CANCELLED, "customer")
    assert booking_hold(customer=UserFactory(), expert=sarah, starts_at=start, duration_minutes=60)


def test_a_late_cancellation_by_the_customer_is_not_refunded_but_the_experts_is(sarah, settings):
    settings.CANCELLATION_WINDOW_HOURS = 24
    soon = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=3)
    soon -= timedelta(minutes=soon.minute % 15)
    customer = UserFactory()
    first = Booking.objects.create(customer=customer, expert=sarah, starts_at=soon, ends_at=soon + timedelta(hours=1),
                                   blocked_until=soon + timedelta(hours=1), duration_minutes=60, price_minor=150000,
                                   status=S.CONFIRMED)
    assert booking_cancel(booking_id=first.pk, by=customer).refund_due is False
    second = Booking.objects.create(customer=customer, expert=sarah, starts_at=soon, ends_at=soon + timedelta(hours=1),
                                    blocked_until=soon + timedelta(hours=1), duration_minutes=60, price_minor=150000,
                                    status=S.CONFIRMED)
    assert booking_cancel(booking_id=second.pk, by=sarah.user).refund_due is True


def test_nobody_else_can_cancel_and_a_started_session_cannot_be_cancelled(sarah):
    booking = confirmed(sarah, starts=at(next_weekday(), 10))
    with pytest.raises(NotFound):
        booking_cancel(booking_id=booking.pk, by=UserFactory())
    Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(InvalidInput) as error:
        booking_cancel(booking_id=booking.pk, by=booking.customer)
    assert error.value.code == "too_late"


def test_the_expert_approves_or_declines_a_booking_waiting_for_approval(sarah):
    day = next_weekday()
    waiting = confirmed(sarah, starts=at(day, 10), status=S.AWAITING_APPROVAL)
    with pytest.raises(Forbidden):
        booking_approve(booking_id=waiting.pk, by=waiting.customer)
    assert booking_approve(booking_id=waiting.pk, by=sarah.user).status == S.CONFIRMED
    declined = confirmed(sarah, starts=at(day, 14), status=S.AWAITING_APPROVAL)
    assert booking_reject(booking_id=declined.pk, by=sarah.user, reason="Not my field.").status == S.REJECTED
    assert timeline(declined)[-1] == (S.AWAITING_APPROVAL, S.REJECTED, "expert")
    with pytest.raises(MoveNotAllowed):  # approving twice, or after declining, is refused
        booking_approve(booking_id=declined.pk, by=sarah.user)


def test_sessions_complete_by_themselves_after_their_end_and_only_then(sarah):
    ended = confirmed(sarah, starts=at(next_weekday(), 10))
    later = confirmed(sarah, starts=at(next_weekday(), 14))
    assert bookings_complete_finished(now=ended.ends_at + timedelta(minutes=1)) == 1
    assert bookings_complete_finished(now=ended.ends_at + timedelta(minutes=2)) == 0
    ended.refresh_from_db(), later.refresh_from_db()
    assert ended.status == S.COMPLETED and later.status == S.CONFIRMED
    assert timeline(ended)[-1] == (S.CONFIRMED, S.COMPLETED, "system")


def test_a_no_show_is_marked_by_the_expert_after_the_start_even_once_completed(sarah):
    booking = confirmed(sarah, starts=at(next_weekday(), 10))
    with pytest.raises(InvalidInput):
        booking_mark_no_show(booking_id=booking.pk, by=sarah.user)
    Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - timedelta(hours=2),
                                                 ends_at=timezone.now() - timedelta(hours=1),
                                                 blocked_until=timezone.now() - timedelta(hours=1))
    bookings_complete_finished()
    with pytest.raises(Forbidden):
        booking_mark_no_show(booking_id=booking.pk, by=booking.customer)
    assert booking_mark_no_show(booking_id=booking.pk, by=sarah.user).status == S.NO_SHOW


# --- Reschedule -------------------------------------------------------------------------------------

def test_a_confirmed_session_moves_to_a_free_slot_and_keeps_its_price(sarah):
    day = next_weekday()
    booking = confirmed(sarah, starts=at(day, 10))
    moved = booking_reschedule(booking_id=booking.pk, by=booking.customer, starts_at=at(day, 10, 30))  # over itself
    assert moved.starts_at == at(day, 10, 30) and moved.ends_at == at(day, 11, 30) and moved.reschedule_count == 1
    assert moved.price_minor == booking.price_minor and moved.status == S.CONFIRMED
    assert BookingEvent.objects.filter(booking=booking).last().reason.startswith("Moved from")
    assert booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 9), duration_minutes=60)


def test_a_reschedule_never_lands_on_taken_time(sarah):
    day = next_weekday()
    booking = confirmed(sarah, starts=at(day, 10))
    confirmed(sarah, starts=at(day, 14))
    with pytest.raises(SlotTaken):
        booking_reschedule(booking_id=booking.pk, by=booking.customer, starts_at=at(day, 14, 30))
    booking.refresh_from_db()
    assert booking.starts_at == at(day, 10) and booking.reschedule_count == 0


def test_reschedules_are_limited_in_number_and_time(sarah, settings):
    settings.MAX_RESCHEDULES = 2
    day = next_weekday()
    booking = confirmed(sarah, starts=at(day, 10))
    for hour in (11, 12):
        booking_reschedule(booking_id=booking.pk, by=booking.customer, starts_at=at(day, hour))
    with pytest.raises(InvalidInput) as error:
        booking_reschedule(booking_id=booking.pk, by=booking.customer, starts_at=at(day, 13))
    assert error.value.code == "reschedule_limit"
    soon = confirmed(sarah, starts=at(day, 15))
    Booking.objects.filter(pk=soon.pk).update(starts_at=timezone.now() + timedelta(hours=2),
                                              ends_at=timezone.now() + timedelta(hours=3),
                                              blocked_until=timezone.now() + timedelta(hours=3))
    with pytest.raises(InvalidInput) as error:
        booking_reschedule(booking_id=soon.pk, by=soon.customer, starts_at=at(day, 16))
    assert error.value.code == "too_late"


def test_the_cancellation_terms_promise_a_refund_only_when_one_would_be_given(sarah, settings):
    from serene.bookings.selectors import cancellation_terms
    settings.CANCELLATION_WINDOW_HOURS = 24
    booking = confirmed(sarah, starts=at(next_weekday(), 10))
    assert "refunds it in full" in cancellation_terms(booking=booking, now=booking.starts_at - timedelta(hours=25))
    assert "would not be refunded" in cancellation_terms(booking=booking, now=booking.starts_at - timedelta(hours=23))


def test_holds_that_ran_out_are_marked_expired_by_the_periodic_job(sarah):
    from serene.bookings.services import bookings_expire_lapsed_holds
    day = next_weekday()
    lapsed = booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    live = booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 14), duration_minutes=60)
    Booking.objects.filter(pk=lapsed.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))
    assert bookings_expire_lapsed_holds() == 1
    assert bookings_expire_lapsed_holds() == 0
    lapsed.refresh_from_db(), live.refresh_from_db()
    assert (lapsed.status, live.status) == (S.EXPIRED, S.PENDING)
    assert timeline(lapsed)[-1] == (S.PENDING, S.EXPIRED, "system")


def test_a_reschedule_onto_the_time_of_a_hold_that_ran_out_succeeds(sarah):
    """The lapsed hold no longer shows as busy; the move must not trip over it in the database either."""
    day = next_weekday()
    booking = confirmed(sarah, starts=at(day, 10))
    lapsed = booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 14), duration_minutes=60)
    Booking.objects.filter(pk=lapsed.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))
    moved = booking_reschedule(booking_id=booking.pk, by=booking.customer, starts_at=at(day, 14))
    assert moved.starts_at == at(day, 14)
    lapsed.refresh_from_db()
    assert lapsed.status == S.EXPIRED
    from serene.bookings.selectors import blocking_overlap_pairs
    assert blocking_overlap_pairs() == 0


def test_a_booking_waiting_for_approval_cannot_be_approved_after_its_start(sarah):
    waiting = confirmed(sarah, starts=at(next_weekday(), 10), status=S.AWAITING_APPROVAL)
    Booking.objects.filter(pk=waiting.pk).update(starts_at=timezone.now() - timedelta(minutes=1),
                                                 ends_at=timezone.now() + timedelta(minutes=59),
                                                 blocked_until=timezone.now() + timedelta(minutes=59))
    with pytest.raises(InvalidInput) as error:
        booking_approve(booking_id=waiting.pk, by=sarah.user)
    assert error.value.code == "too_late"
