"""Classifying a reported capture, on plain facts (no database, no clock): whose capture it is, and
what it means for the booking. events.py applies the answer; test_payment_lifecycle.py and the
flow tests check that it does."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from serene.bookings.models import BookingStatus, MoneyOutcome
from serene.payments.captures import (KEEPS, OWES, STRAYS, Capture, CaptureFacts, CaptureKind, SeenOn,
                                      capture_classify, hold_lapsed)
from serene.payments.models import PaymentStatus

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

# An order's first capture while its hold lives: the common case, varied by each test.
FIRST_ON_TIME = CaptureFacts(
    amount_minor=150000, currency="INR", seen_on=SeenOn.NONE,
    order_status=PaymentStatus.CREATED, order_payment_id=None, order_amount_minor=150000, order_currency="INR",
    order_refund_reason="", booking_status=BookingStatus.PENDING, hold_expires_at=NOW + timedelta(minutes=5),
    money_outcome=MoneyOutcome.NONE, dashboard_refund_ended=False, judged_at=NOW)
LAPSED = replace(FIRST_ON_TIME, hold_expires_at=NOW - timedelta(seconds=1))


def kind(facts: CaptureFacts) -> CaptureKind:
    return capture_classify(facts).kind


def test_the_kinds_split_into_strays_keeps_and_debts_without_overlap():
    assert not (STRAYS & KEEPS) and not (STRAYS & OWES) and not (KEEPS & OWES)
    assert set(CaptureKind) == STRAYS | KEEPS | OWES | {CaptureKind.ALREADY_DECIDED}


@pytest.mark.parametrize("status", [PaymentStatus.CREATED, PaymentStatus.ATTEMPTED, PaymentStatus.FAILED])
def test_a_first_capture_while_the_hold_lives_is_on_time_and_recorded(status):
    assert capture_classify(replace(FIRST_ON_TIME, order_status=status)) == Capture(CaptureKind.ON_TIME,
                                                                                  records_capture=True)


def test_a_hold_that_ends_at_the_very_moment_judged_is_late():
    facts = replace(FIRST_ON_TIME, hold_expires_at=NOW, time_taken=False)
    assert capture_classify(facts) == Capture(CaptureKind.LATE_TIME_FREE, records_capture=True)
    assert capture_classify(facts).late


@pytest.mark.parametrize("booking_status", [BookingStatus.PENDING, BookingStatus.EXPIRED])
def test_late_and_the_time_still_free_keeps_the_booking(booking_status):
    facts = replace(LAPSED, booking_status=booking_status, time_taken=False)
    assert capture_classify(facts) == Capture(CaptureKind.LATE_TIME_FREE, records_capture=True)


@pytest.mark.parametrize("booking_status", [BookingStatus.PENDING, BookingStatus.EXPIRED])
def test_late_and_the_time_taken_owes_the_money_back(booking_status):
    facts = replace(LAPSED, booking_status=booking_status, time_taken=True)
    capture = capture_classify(facts)
    assert capture == Capture(CaptureKind.LATE_TIME_TAKEN, records_capture=True) and capture.late


def test_an_expired_booking_is_late_whatever_its_hold_said():
    assert hold_lapsed(booking_status=BookingStatus.EXPIRED, hold_expires_at=NOW + timedelta(hours=1), judged_at=NOW)
    assert hold_lapsed(booking_status=BookingStatus.PENDING, hold_expires_at=None, judged_at=NOW)
    assert not hold_lapsed(booking_status=BookingStatus.CONFIRMED, hold_expires_at=None, judged_at=NOW)


def test_a_late_capture_is_not_classified_before_the_time_is_known():
    with pytest.raises(ValueError):
        capture_classify(LAPSED)


@pytest.mark.parametrize("booking_status", [BookingStatus.CANCELLED, BookingStatus.REJECTED])
def test_a_booking_that_ended_before_the_money_came_owes_it_back(booking_status):
    facts = replace(FIRST_ON_TIME, booking_status=booking_status, hold_expires_at=None)
    capture = capture_classify(facts)
    assert capture == Capture(CaptureKind.BOOKING_ENDED, records_capture=True) and not capture.late


@pytest.mark.parametrize("booking_status", [BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL,
                                            BookingStatus.COMPLETED, BookingStatus.NO_SHOW])
def test_the_same_capture_reported_again_finds_its_booking_kept(booking_status):
    facts = replace(FIRST_ON_TIME, seen_on=SeenOn.ORDER, order_status=PaymentStatus.CAPTURED, order_payment_id="pay_1",
                    booking_status=booking_status, hold_expires_at=None)
    assert capture_classify(facts) == Capture(CaptureKind.ALREADY_KEPT, records_capture=False)


def test_the_same_capture_reported_again_is_never_a_stray_even_when_its_amount_reads_differently():
    facts = replace(FIRST_ON_TIME, seen_on=SeenOn.ORDER, order_status=PaymentStatus.PARTIALLY_REFUNDED,
                    order_payment_id="pay_1", amount_minor=1, booking_status=BookingStatus.CONFIRMED,
                    hold_expires_at=None)
    assert kind(facts) == CaptureKind.ALREADY_KEPT


@pytest.mark.parametrize("decided", [
    {"order_refund_reason": "The session was cancelled."},
    {"money_outcome": MoneyOutcome.NOT_REFUNDED},
    {"money_outcome": MoneyOutcome.REFUNDED_IN_FULL},
    {"money_outcome": MoneyOutcome.REFUND_FAILED},
    {"dashboard_refund_ended": True, "booking_status": BookingStatus.CANCELLED},
], ids=["owed-back", "not-refunded", "refunded", "with-staff", "dashboard-refund"])
@pytest.mark.parametrize("seen_on", [SeenOn.NONE, SeenOn.ORDER])
def test_a_booking_whose_money_was_decided_is_not_decided_again(decided, seen_on):
    facts = replace(LAPSED, seen_on=seen_on, time_taken=True, **decided)
    assert capture_classify(facts) == Capture(CaptureKind.ALREADY_DECIDED, records_capture=seen_on == SeenOn.NONE)


def test_a_refund_under_way_without_its_reason_recorded_is_decided_now():
    """What an older version left after a crash: the outcome says pending, the payment no reason."""
    facts = replace(FIRST_ON_TIME, money_outcome=MoneyOutcome.REFUND_PENDING)
    assert kind(facts) == CaptureKind.ON_TIME


def test_a_stray_seen_before_is_that_stray_again():
    facts = replace(FIRST_ON_TIME, seen_on=SeenOn.STRAY, amount_minor=1)
    assert capture_classify(facts) == Capture(CaptureKind.STRAY_SEEN, records_capture=False)


@pytest.mark.parametrize("change", [{"amount_minor": 100000}, {"currency": "USD"}], ids=["amount", "currency"])
def test_a_capture_that_does_not_match_its_order_is_a_stray(change):
    assert capture_classify(replace(FIRST_ON_TIME, **change)) == Capture(CaptureKind.STRAY_MISMATCH,
                                                                       records_capture=False)


@pytest.mark.parametrize("order", [
    {"order_payment_id": "pay_first", "order_status": PaymentStatus.CAPTURED},
    {"order_status": PaymentStatus.CAPTURED},
    {"order_status": PaymentStatus.REFUNDED},
    {"order_status": PaymentStatus.PARTIALLY_REFUNDED},
    {"order_status": PaymentStatus.CREATING},
], ids=["paid", "captured", "refunded", "partly-refunded", "not-opened"])
def test_a_new_capture_on_an_order_that_cannot_take_one_is_a_second_capture(order):
    assert capture_classify(replace(FIRST_ON_TIME, **order)) == Capture(CaptureKind.STRAY_SECOND,
                                                                      records_capture=False)


def test_a_stray_is_a_stray_whatever_became_of_the_booking():
    facts = replace(LAPSED, order_payment_id="pay_first", order_status=PaymentStatus.CAPTURED,
                    money_outcome=MoneyOutcome.REFUNDED_IN_FULL, booking_status=BookingStatus.CANCELLED)
    assert kind(facts) == CaptureKind.STRAY_SECOND
