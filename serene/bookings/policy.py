"""The cancellation and reschedule policy in words, from one place: CANCELLATION_WINDOW_HOURS and
MAX_RESCHEDULES. Pages, emails and the booking wizard say only what these return, so no page
promises a free cancellation the service would not give."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .lifecycle import CUSTOMER
from .models import Booking, BookingStatus
from .moves import cancellation_refund_due, customer_window_open


def cancellation_policy_text() -> str:
    """The general rule, shown before anything is booked."""
    hours = settings.CANCELLATION_WINDOW_HOURS
    return (f"Free cancellation up to {hours} hours before the session starts; later cancellations are not "
            "refunded.")


def approval_policy_text(*, expert_name: str, starts_within_window: bool) -> str:
    """The policy for a booking the expert accepts by hand (cancellation_refund_due): until they answer,
    cancelling refunds in full whenever the session starts; so does their declining, or not accepting
    APPROVAL_DEADLINE_HOURS before the start. Once accepted, the usual window applies, which for a
    session starting within it means no refund. The wizard, the session page and the emails say this."""
    hours = settings.CANCELLATION_WINDOW_HOURS
    deadline = settings.APPROVAL_DEADLINE_HOURS
    waiting = (f"{expert_name} accepts bookings by hand. Until they do, you can cancel with a full refund, and if "
               f"they decline, or have not accepted {deadline} hour{'' if deadline == 1 else 's'} before the start, "
               "you are refunded in full.")
    if starts_within_window:
        return waiting + (f" Once they accept, this session starts within {hours} hours, so cancelling it would "
                          "not be refunded.")
    return waiting + f" Once they accept, cancelling at least {hours} hours before the session refunds it in full."


def cancellation_sentence(*, booking: Booking, now: datetime | None = None) -> str:
    """What cancelling this booking now would bring back, said truthfully for its start time."""
    now = now or timezone.now()
    hours = settings.CANCELLATION_WINDOW_HOURS
    if booking.status == BookingStatus.AWAITING_APPROVAL:
        return approval_policy_text(expert_name=booking.expert.name,
                                    starts_within_window=not customer_window_open(booking=booking, now=now))
    if customer_window_open(booking=booking, now=now):
        return f"Cancelling at least {hours} hours before the session refunds it in full."
    return f"This session starts within {hours} hours, so cancelling it now would not be refunded."


@dataclass(frozen=True)
class CancelPreview:
    refund_due: bool
    refund_minor: int        # what goes back if the customer confirms now
    free_until: datetime     # the last moment a cancellation is refunded in full
    sentence: str


def cancel_preview(*, booking: Booking, paid_minor: int, now: datetime | None = None) -> CancelPreview:
    """What the customer is told before confirming a cancellation: the same rule booking_cancel applies."""
    now = now or timezone.now()
    refund_due = cancellation_refund_due(booking=booking, actor=CUSTOMER, now=now)
    return CancelPreview(refund_due=refund_due, refund_minor=paid_minor if refund_due else 0,
                         free_until=free_cancellation_until(booking),
                         sentence=cancellation_sentence(booking=booking, now=now))


def reschedule_refusal(*, booking: Booking, now: datetime | None = None) -> str:
    """Why this booking cannot be moved now, in the words booking_reschedule uses; '' when it can."""
    now = now or timezone.now()
    hours = settings.CANCELLATION_WINDOW_HOURS
    if booking.status != BookingStatus.CONFIRMED:
        return "Only a confirmed session can be moved."
    if not customer_window_open(booking=booking, now=now):
        return f"A session can be moved until {hours} hours before it starts."
    if booking.reschedule_count >= settings.MAX_RESCHEDULES:
        return f"This session has already been moved {booking.reschedule_count} times, the most allowed."
    return ""


def reschedule_late_warning(*, starts_at: datetime, now: datetime | None = None) -> str:
    """Said before a move to a time inside the cancellation window is confirmed ('' for a time outside
    it). booking_reschedule allows such a move, but then customer_window_open is false for the new
    start: reschedule_refusal refuses another move and cancellation_refund_due refunds nothing."""
    now = now or timezone.now()
    hours = settings.CANCELLATION_WINDOW_HOURS
    if starts_at - now >= timedelta(hours=hours):
        return ""
    return (f"This time starts within {hours} hours. Once you move to it, the session cannot be moved again, "
            "and cancelling it would not be refunded.")


def reschedule_sentence(*, booking: Booking, now: datetime | None = None) -> str:
    refusal = reschedule_refusal(booking=booking, now=now)
    if refusal:
        return refusal
    left = settings.MAX_RESCHEDULES - booking.reschedule_count
    return (f"You can move it to another free time until {settings.CANCELLATION_WINDOW_HOURS} hours before it starts "
            f"({left} move{'s' if left != 1 else ''} left).")


def cancellation_window() -> timedelta:
    return timedelta(hours=settings.CANCELLATION_WINDOW_HOURS)


def free_cancellation_until(booking: Booking) -> datetime:
    """The last moment at which the customer's cancel is refunded in full."""
    return booking.starts_at - cancellation_window()


def free_cancellation_open(booking: Booking, now: datetime | None = None) -> bool:
    """True while a cancel by the customer would still be refunded in full (so a page may promise it)."""
    return customer_window_open(booking=booking, now=now or timezone.now())


def late_booking_policy_text() -> str:
    """Said instead of the policy for a session that starts inside the cancellation window."""
    hours = settings.CANCELLATION_WINDOW_HOURS
    return (f"This session starts within {hours} hour{'' if hours == 1 else 's'}, so cancelling it would not be "
            "refunded.")


def cancellation_policy_for(booking: Booking, now: datetime | None = None) -> str:
    """The policy as it applies to this booking: the free-cancellation sentence only while it holds, and
    for a booking awaiting approval the approval's terms (cancellation_sentence)."""
    if booking.status == BookingStatus.AWAITING_APPROVAL:
        return cancellation_sentence(booking=booking, now=now)
    return cancellation_policy_text() if free_cancellation_open(booking, now) else late_booking_policy_text()
