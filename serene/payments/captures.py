"""What a captured payment the gateway reports is, for its order and its booking: classified from plain
facts read under the locks, with no ORM and no clock, so every case is tested on its own. events.py
gathers the facts and applies the answer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from serene.bookings.lifecycle import PAID_AND_KEPT_STATUSES
from serene.bookings.models import BookingStatus, MoneyOutcome

from .payment_lifecycle import CAPTURABLE_STATUSES


class SeenOn(StrEnum):
    """Which of our payment rows carries the reported gateway payment id already."""
    NONE = "none"        # reported for the first time
    ORDER = "order"      # the order's own row: the same capture reported again (verify, then the webhook)
    STRAY = "stray"      # a stray's row, recorded before


class CaptureKind(StrEnum):
    STRAY_SEEN = "stray_seen"            # a stray recorded before: settle its refund again
    STRAY_MISMATCH = "stray_mismatch"    # amount or currency differ from the order's: a stray, refunded in full
    STRAY_SECOND = "stray_second"        # the order has its capture already: a stray, refunded in full
    ON_TIME = "on_time"                  # the hold was live: keep the booking
    LATE_TIME_FREE = "late_time_free"    # the hold had run out and nobody took the time: keep the booking
    LATE_TIME_TAKEN = "late_time_taken"  # the hold had run out and the time is another's: owe it back in full
    BOOKING_ENDED = "booking_ended"      # cancelled or rejected before the money came: owe it back in full
    ALREADY_KEPT = "already_kept"        # the booking is kept already (this capture, reported again)
    ALREADY_DECIDED = "already_decided"  # owed back already, its money outcome settled, or a Dashboard refund's


STRAYS = frozenset({CaptureKind.STRAY_SEEN, CaptureKind.STRAY_MISMATCH, CaptureKind.STRAY_SECOND})
KEEPS = frozenset({CaptureKind.ON_TIME, CaptureKind.LATE_TIME_FREE, CaptureKind.ALREADY_KEPT})
OWES = frozenset({CaptureKind.LATE_TIME_TAKEN, CaptureKind.BOOKING_ENDED})
LATE = frozenset({CaptureKind.LATE_TIME_FREE, CaptureKind.LATE_TIME_TAKEN})


@dataclass(frozen=True)
class CaptureFacts:
    # The reported capture.
    amount_minor: int
    currency: str
    seen_on: SeenOn
    # The order's row, as locked.
    order_status: str
    order_payment_id: str | None        # the gateway payment id it recorded, if any
    order_amount_minor: int
    order_currency: str
    order_refund_reason: str            # set once its money is owed back in full
    # Its booking, as locked, judged at `judged_at`.
    booking_status: str
    hold_expires_at: datetime | None
    money_outcome: str
    dashboard_refund_ended: bool        # a Dashboard refund cancelled it: its money is staff's decision
    judged_at: datetime
    # Whether another booking holds its time now; asked only when the hold had run out (None otherwise).
    time_taken: bool | None = None


@dataclass(frozen=True)
class Capture:
    kind: CaptureKind
    records_capture: bool  # the order's row records this capture (its first report)

    @property
    def late(self) -> bool:
        return self.kind in LATE


def hold_lapsed(*, booking_status: str, hold_expires_at: datetime | None, judged_at: datetime) -> bool:
    """A booking still waiting for its money whose hold had run out: whether its time is free decides a late payment."""
    if booking_status == BookingStatus.EXPIRED:
        return True
    return booking_status == BookingStatus.PENDING and not (hold_expires_at is not None and hold_expires_at > judged_at)


def capture_classify(facts: CaptureFacts) -> Capture:
    """Classify a captured payment reported for an order: whose capture it is, and what it means for the booking."""
    if facts.seen_on == SeenOn.STRAY:
        return Capture(CaptureKind.STRAY_SEEN, records_capture=False)
    first_report = facts.seen_on == SeenOn.NONE
    if first_report and (facts.amount_minor != facts.order_amount_minor or facts.currency != facts.order_currency):
        return Capture(CaptureKind.STRAY_MISMATCH, records_capture=False)
    if first_report and (facts.order_payment_id or facts.order_status not in CAPTURABLE_STATUSES):
        return Capture(CaptureKind.STRAY_SECOND, records_capture=False)
    # Decided once. (A refund due without its reason recorded is what an older version left after a
    # crash; a booking a Dashboard refund cancelled is staff's decision, even while that refund is pending.)
    if facts.order_refund_reason or facts.dashboard_refund_ended or \
            facts.money_outcome not in (MoneyOutcome.NONE, MoneyOutcome.REFUND_PENDING):
        return Capture(CaptureKind.ALREADY_DECIDED, records_capture=first_report)
    if facts.booking_status in PAID_AND_KEPT_STATUSES:
        return Capture(CaptureKind.ALREADY_KEPT, records_capture=first_report)
    if facts.booking_status not in (BookingStatus.PENDING, BookingStatus.EXPIRED):
        return Capture(CaptureKind.BOOKING_ENDED, records_capture=first_report)
    if not hold_lapsed(booking_status=facts.booking_status, hold_expires_at=facts.hold_expires_at,
                       judged_at=facts.judged_at):
        return Capture(CaptureKind.ON_TIME, records_capture=first_report)
    if facts.time_taken is None:
        raise ValueError("A late payment is classified only once it is known whether its time is taken")
    return Capture(CaptureKind.LATE_TIME_TAKEN if facts.time_taken else CaptureKind.LATE_TIME_FREE,
                   records_capture=first_report)
