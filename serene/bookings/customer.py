"""The customer's side of a booking, as pages show it: which moves apply now (the same rules the
services enforce), the state of its Join button, and the timeline in words."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from serene.accounts.models import User
from serene.core.money import format_money

from .join import JOINABLE_STATUSES, join_window, session_join_path
from .models import Actor, Booking, BookingEvent, BookingStatus, MoneyOutcome
from .policy import reschedule_refusal
from .reviews import review_allowed



def customer_actions_for(*, booking: Booking, user: User, now: datetime | None = None) -> list[str]:
    """What the booking's customer can do now: reschedule, cancel, review (in that order)."""
    if booking.customer_id != user.pk:
        return []
    now = now or timezone.now()
    actions = []
    if not reschedule_refusal(booking=booking, now=now):
        actions.append("reschedule")
    if booking.status in (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL) and booking.starts_at > now:
        actions.append("cancel")
    if review_allowed(booking=booking, user=user):
        actions.append("review")
    return actions


@dataclass(frozen=True)
class JoinButton:
    state: str             # "early" (a countdown) or "open" (a link to the room)
    opens_at: datetime
    closes_at: datetime
    path: str


def join_button_for(*, booking: Booking, now: datetime | None = None) -> JoinButton | None:
    """The Join button of a kept session whose room has not closed yet; None when there is none to show."""
    if booking.status not in JOINABLE_STATUSES:
        return None
    window = join_window(booking)
    state = window.state(now)
    if state == "closed":
        return None
    return JoinButton(state=state, opens_at=window.opens_at, closes_at=window.closes_at,
                      path=session_join_path(booking))


TIMELINE_WORDS: dict[tuple[str, str], str] = {  # (from, to) as the event stores them
    ("", BookingStatus.PENDING): "Time held for payment",
    (BookingStatus.PENDING, BookingStatus.CONFIRMED): "Paid and confirmed",
    (BookingStatus.EXPIRED, BookingStatus.CONFIRMED): "Paid and confirmed",
    (BookingStatus.PENDING, BookingStatus.AWAITING_APPROVAL): "Paid; waiting for the expert's approval",
    (BookingStatus.EXPIRED, BookingStatus.AWAITING_APPROVAL): "Paid; waiting for the expert's approval",
    (BookingStatus.AWAITING_APPROVAL, BookingStatus.CONFIRMED): "Accepted by the expert: confirmed",
    (BookingStatus.AWAITING_APPROVAL, BookingStatus.REJECTED): "The expert could not take it",
    (BookingStatus.PENDING, BookingStatus.EXPIRED): "Hold ended before payment",
    (BookingStatus.CONFIRMED, BookingStatus.COMPLETED): "Session time ended",
    (BookingStatus.CONFIRMED, BookingStatus.NO_SHOW): "Marked as a no-show",
    (BookingStatus.COMPLETED, BookingStatus.NO_SHOW): "Marked as a no-show",
}
MONEY_WORDS: dict[str, str] = {
    MoneyOutcome.REFUND_PENDING: "Refund under way",
    MoneyOutcome.REFUNDED_IN_FULL: "Refunded in full",
    MoneyOutcome.REFUNDED_IN_PART: "Refunded in part",
    MoneyOutcome.NOT_REFUNDED: "No refund due",
    MoneyOutcome.REFUND_FAILED: "Refund failed; our team is on it",
}


# Reasons the system writes on routine moves: the line's title already says them.
ROUTINE_REASONS = frozenset({"Held for payment.", "Paid.", "Approved.", "The session's time ended."})


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    title: str
    detail: str
    moved_from: datetime | None
    by: str


def timeline_for(*, booking: Booking) -> list[TimelineLine]:
    lines = []
    for event in BookingEvent.objects.filter(booking=booking).order_by("at", "id"):
        if event.money_outcome:
            title = MONEY_WORDS.get(event.money_outcome, event.money_outcome)
        elif event.moved_from is not None:
            title = "Moved to a new time"
        elif event.to_status == BookingStatus.CANCELLED:
            title = "Cancelled"
        elif event.from_status == event.to_status:
            title = event.reason or "Note"
        else:
            title = TIMELINE_WORDS.get((event.from_status, event.to_status), BookingStatus(event.to_status).label)
        routine = event.moved_from is not None or title == event.reason or event.reason in ROUTINE_REASONS
        detail = "" if routine else event.reason
        lines.append(TimelineLine(at=event.at, title=title, detail=detail, moved_from=event.moved_from,
                                  by=Actor(event.actor).label))
    return lines


# One wording for a session the expert did not take, as the email says it ("could not take your
# session"): never "Rejected" to the customer.
NOT_TAKEN = "could not take your session"


@dataclass(frozen=True)
class CalledOff:
    """How the customer is told a session will not happen: who called it off and what came back."""
    heading: str   # "You cancelled this session"
    chip: str      # the short state on a card: "Cancelled by you"
    money: str     # "₹3,000 refunded", "" when no money was paid or is due
    kind: str      # "by_customer", "by_expert", "not_taken", "cancelled", "lost"


def called_off_for(*, booking: Booking, refunded_minor: int | None = None) -> CalledOff | None:
    """None for a session that is still on or took place. `refunded_minor` is what has gone back
    (payments' selectors); a list without it says a full refund by the booking's price."""
    expert = booking.expert.name
    if booking.status == BookingStatus.CANCELLED:
        if booking.cancelled_by_id is not None and booking.cancelled_by_id == booking.customer_id:
            heading, chip, kind = "You cancelled this session", "Cancelled by you", "by_customer"
        elif booking.cancelled_by_id is not None and booking.cancelled_by_id == booking.expert.user_id:
            heading, chip, kind = f"{expert} cancelled this session", "Cancelled by the expert", "by_expert"
        else:
            heading, chip, kind = "This session was cancelled", "Cancelled", "cancelled"
    elif booking.status == BookingStatus.REJECTED:
        heading, chip, kind = f"{expert} {NOT_TAKEN}", "Expert could not take it", "not_taken"
    elif booking.status == BookingStatus.EXPIRED:
        heading, chip, kind = "We could not keep this time", "Hold ended", "lost"
    else:
        return None
    return CalledOff(heading=heading, chip=chip, money=_money_words(booking, refunded_minor), kind=kind)


def _money_words(booking: Booking, refunded_minor: int | None) -> str:
    outcome = booking.money_outcome
    if outcome == MoneyOutcome.REFUNDED_IN_FULL:
        return f"{format_money(refunded_minor or booking.price_minor, booking.currency)} refunded"
    if outcome == MoneyOutcome.REFUNDED_IN_PART:
        return f"{format_money(refunded_minor, booking.currency)} refunded" if refunded_minor else "Partly refunded"
    if outcome == MoneyOutcome.REFUND_PENDING:
        return f"{format_money(booking.price_minor, booking.currency)} refund on its way"
    if outcome == MoneyOutcome.NOT_REFUNDED:
        return f"No refund: cancelled within {settings.CANCELLATION_WINDOW_HOURS} hours of the start"
    if outcome == MoneyOutcome.REFUND_FAILED:
        return "Refund delayed: our team is on it"
    return ""
