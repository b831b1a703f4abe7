"""Which emails a recorded booking move calls for, decided before any of them is rendered.

The plan names each email's kind and recipient from the event and the booking's status alone, so a
message that then fails to render can still be written for the right person (outbox.py) and
rendered again later from its event (rerender.py). The rendering itself waits in `build`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from serene.bookings.models import Booking, BookingEvent, BookingStatus, MoneyOutcome

from . import content, reminders
from .content import CUSTOMER, EXPERT, Email



@dataclass(frozen=True)
class PlannedEmail:
    kind: str
    role: str  # customer or expert: whose side of the booking it is for
    build: Callable[[], Email | None]  # None: nothing to say after all (a refund of nothing)


def planned_emails(*, event: BookingEvent, booking: Booking) -> list[PlannedEmail]:
    """The emails `event` calls for, for `booking` as it is now (as the event left it, inside its move)."""
    source, target = event.from_status, event.to_status
    if event.money_outcome:
        return _money_emails(event=event, booking=booking)
    if event.moved_from:
        return [_moved(booking=booking, role=role, moved_from=event.moved_from) for role in (CUSTOMER, EXPERT)]
    if source == target or not source:
        return []
    if target == BookingStatus.CONFIRMED and source in (BookingStatus.PENDING, BookingStatus.EXPIRED):
        return [_confirmed(event=event, booking=booking, approved=False),
                PlannedEmail("booking_new", EXPERT, lambda: content.booking_new_for_expert(booking))]
    if target == BookingStatus.CONFIRMED and source == BookingStatus.AWAITING_APPROVAL:
        # The expert gets the invite once the session is theirs, as an instant booking sends it.
        return [_confirmed(event=event, booking=booking, approved=True),
                PlannedEmail("booking_approved_expert", EXPERT, lambda: content.booking_approved_for_expert(booking))]
    if target == BookingStatus.AWAITING_APPROVAL:
        return [PlannedEmail("approval_requested", EXPERT, lambda: content.approval_requested(booking)),
                PlannedEmail("approval_pending", CUSTOMER, lambda: content.approval_pending(booking, now=event.at))]
    if target == BookingStatus.REJECTED:
        return [PlannedEmail("booking_rejected", CUSTOMER, lambda: content.booking_rejected(
            booking, reason=event.reason if event.actor != "system" else "", by_system=event.actor == "system"))]
    if target == BookingStatus.CANCELLED and source in (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL):
        return [_cancelled(event=event, booking=booking, role=role) for role in (CUSTOMER, EXPERT)]
    return []


def no_longer_applies(*, event: BookingEvent, booking: Booking, session_starts_at: datetime | None) -> str:
    """Why a message of `event` that could not be rendered at the time should not be sent now ("" if
    it still should): the booking has left the state the event put it in (another status, or moved),
    so a later message tells the person what happened since, and this one would contradict it (a
    confirmation with its invite after the cancellation, say)."""
    if booking.status != event.to_status:
        return (f"The session is {BookingStatus(booking.status).label.lower()} now; the email about its move to "
                f"{BookingStatus(event.to_status).label.lower()} would no longer be true.")
    if session_starts_at is not None and booking.starts_at != session_starts_at:
        return "The session has moved since; the email about the move gives its new time."
    return ""


def _confirmed(*, event: BookingEvent, booking: Booking, approved: bool) -> PlannedEmail:
    return PlannedEmail("booking_approved" if approved else "booking_confirmed", CUSTOMER, lambda: content.booking_confirmed(
        booking, now=event.at, approved=approved,
        day_before_planned=reminders.day_before_planned(booking, fixed_at=event.at)))


def _moved(*, booking: Booking, role: str, moved_from: datetime) -> PlannedEmail:
    return PlannedEmail("booking_moved", role, lambda: content.booking_moved(booking, role=role, moved_from=moved_from))


def _cancelled(*, event: BookingEvent, booking: Booking, role: str) -> PlannedEmail:
    def build() -> Email:
        from serene.bookings.moves import cancellation_refund_due
        refund_due = cancellation_refund_due(booking=booking, actor=event.actor, now=event.at, status=event.from_status)
        reason = event.reason if not event.reason.startswith("Cancelled by the ") else ""
        return content.booking_cancelled(booking, role=role, by_whom=event.actor, reason=reason, refund_due=refund_due,
                                         was_confirmed=event.from_status == BookingStatus.CONFIRMED)
    return PlannedEmail("booking_cancelled", role, build)


def _money_emails(*, event: BookingEvent, booking: Booking) -> list[PlannedEmail]:
    outcome = event.money_outcome
    if outcome == MoneyOutcome.REFUND_PENDING and booking.status in (BookingStatus.EXPIRED, BookingStatus.PENDING):
        return [PlannedEmail("payment_time_lost", CUSTOMER, lambda: content.payment_time_lost(booking))]
    if outcome in (MoneyOutcome.REFUNDED_IN_FULL, MoneyOutcome.REFUNDED_IN_PART):
        def build() -> Email | None:
            refunded = _refunded_minor(booking)
            if not refunded:
                return None
            return content.refund_processed(booking, refunded_minor=refunded,
                                            in_full=outcome == MoneyOutcome.REFUNDED_IN_FULL)
        return [PlannedEmail("refund_processed", CUSTOMER, build)]
    return []


def _refunded_minor(booking: Booking) -> int:
    from serene.payments.selectors import payment_paid_for, payment_refunded_minor
    payment = payment_paid_for(booking=booking)
    return payment_refunded_minor(payment=payment) if payment else 0
