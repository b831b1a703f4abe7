"""Reads of bookings, always scoped to who is asking (invariant 6: people see their own)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from serene.accounts.models import User
from serene.core.errors import NotFound
from serene.core.pagination import DEFAULT_LIMIT, Page, keyset_page

from .lifecycle import constraint_condition_sql
from .models import Booking, BookingStatus, MoneyOutcome

LATE_PAYMENT_REFUNDED = ("Your payment arrived after your hold on this time ran out, and someone else had booked it "
                         "meanwhile. We refunded the full amount.")
LATE_PAYMENT_REFUND_PENDING = ("Your payment arrived after your hold on this time ran out, and someone else had booked "
                               "it meanwhile. Your full refund is on its way.")


def bookings_visible_to(user: User) -> QuerySet[Booking]:
    bookings = Booking.objects.select_related("expert__user", "expert__category", "customer")
    if user.is_staff:
        return bookings
    return bookings.filter(Q(customer=user) | Q(expert__user=user))


def booking_get_for(*, user: User, public_id: str, customer_only: bool = False) -> Booking:
    """The booking, if this user may see it (only as its customer, with customer_only); otherwise the
    same 404 as for an unknown id."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound("There is no session with that id.") from None
    booking = bookings_visible_to(user).filter(public_id=key).first()
    if booking is None or (customer_only and booking.customer_id != user.pk):
        raise NotFound("There is no session with that id.")
    return booking


# Of the listed states, the ones of a session still going ahead.
AHEAD_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL)
LISTED_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL, BookingStatus.COMPLETED,
                   BookingStatus.NO_SHOW, BookingStatus.CANCELLED, BookingStatus.REJECTED)


DASHBOARD_SHOWN = 10  # each list of the customer's dashboard; the rest is on the sessions pages
CALLED_OFF_STATUSES = (BookingStatus.CANCELLED, BookingStatus.REJECTED)


def _listed_for(user: User, role: str | None):
    mine = {"customer": Q(customer=user), "expert": Q(expert__user=user)}
    scope = mine[role] if role is not None else mine["customer"] | mine["expert"]
    return (Booking.objects.select_related("expert__user", "expert__category", "customer")
            .filter(scope, status__in=LISTED_STATUSES))


def booking_page_for(*, user: User, upcoming: bool, role: str | None = None, cursor: str | None = None,
                     limit: int = DEFAULT_LIMIT, now: datetime | None = None) -> Page[Booking]:
    """One page of the user's own sessions (not holds): as the customer, as the expert, or both when
    role is None. Upcoming (not yet ended, in any listed state) soonest first; past newest first."""
    now = now or timezone.now()
    bookings = _listed_for(user, role)
    if upcoming:
        return keyset_page(bookings.filter(ends_at__gt=now), key="starts_at", newest_first=False,
                           cursor=cursor, limit=limit)
    return keyset_page(bookings.filter(ends_at__lte=now), key="starts_at", newest_first=True,
                       cursor=cursor, limit=limit)


@dataclass(frozen=True)
class CustomerSessions:
    """The customer's dashboard: bounded lists, each with a flag saying it goes on."""
    upcoming: list[Booking]    # going ahead, soonest first
    called_off: list[Booking]  # not yet ended but cancelled or declined, soonest first
    past: list[Booking]        # ended, newest first
    more_upcoming: bool
    more_called_off: bool
    more_past: bool


def customer_sessions(*, user: User, now: datetime | None = None, shown: int = DASHBOARD_SHOWN) -> CustomerSessions:
    """Three bounded queries through the (customer, starts_at) index, however long the history."""
    now = now or timezone.now()
    bookings = _listed_for(user, "customer")
    ahead = bookings.filter(ends_at__gt=now).order_by("starts_at", "pk")
    upcoming = list(ahead.filter(status__in=AHEAD_STATUSES)[:shown + 1])
    called_off = list(ahead.filter(status__in=CALLED_OFF_STATUSES)[:shown + 1])
    past = list(bookings.filter(ends_at__lte=now).order_by("-starts_at", "-pk")[:shown + 1])
    return CustomerSessions(upcoming=upcoming[:shown], called_off=called_off[:shown], past=past[:shown],
                            more_upcoming=len(upcoming) > shown, more_called_off=len(called_off) > shown,
                            more_past=len(past) > shown)


def session_status_message(*, booking: Booking) -> str:
    if booking.status == BookingStatus.CONFIRMED:
        return "Your session is confirmed."
    if booking.status == BookingStatus.AWAITING_APPROVAL:
        return "Paid. The expert confirms new bookings by hand; this page shows their answer when they give it."
    if booking.status == BookingStatus.PENDING:
        return "We are holding this time for you while you pay."
    if booking.money_outcome == MoneyOutcome.REFUNDED_IN_FULL and booking.status == BookingStatus.EXPIRED:
        return LATE_PAYMENT_REFUNDED
    if booking.money_outcome == MoneyOutcome.REFUND_PENDING and booking.status == BookingStatus.EXPIRED:
        return LATE_PAYMENT_REFUND_PENDING
    if booking.status == BookingStatus.EXPIRED:
        return "Your hold on this time ran out before payment."
    if booking.status == BookingStatus.REJECTED:
        return "The expert could not take this session. " + _refund_sentence(booking)
    if booking.status == BookingStatus.CANCELLED:
        return "This session was cancelled. " + _refund_sentence(booking)
    if booking.status == BookingStatus.COMPLETED:
        return "This session has taken place."
    if booking.status == BookingStatus.NO_SHOW:
        return "This session was marked as a no-show."
    return booking.get_status_display()


def cancellation_terms(*, booking: Booking, now: datetime | None = None) -> str:
    """What cancelling this booking would bring back, said truthfully for its start time (policy.py)."""
    from .policy import cancellation_sentence

    return cancellation_sentence(booking=booking, now=now)


def _refund_sentence(booking: Booking) -> str:
    sentences: dict[str, str] = {
        MoneyOutcome.REFUND_PENDING: "Your full refund is on its way.",
        MoneyOutcome.REFUNDED_IN_FULL: "We refunded the full amount.",
        MoneyOutcome.REFUNDED_IN_PART: "We refunded part of the amount.",
        MoneyOutcome.NOT_REFUNDED: "It was cancelled too close to its start for a refund.",
        MoneyOutcome.REFUND_FAILED: "Your refund hit a problem at the payment provider; our team is on it.",
    }
    return sentences.get(booking.money_outcome, "")


def has_booked(*, user: User) -> bool:
    """Whether this person ever booked a session as a customer (an expert who did gets a link to them)."""
    return Booking.objects.filter(customer=user).exists()


def holds_in_flight(*, now: datetime | None = None) -> QuerySet[Booking]:
    """Every customer paying right now, soonest to run out first: for staff, not scoped to a person."""
    return (Booking.objects.filter(status=BookingStatus.PENDING, hold_expires_at__gt=now or timezone.now())
            .select_related("expert__user", "customer").order_by("hold_expires_at"))


def blocking_overlap_pairs() -> int:
    """How many pairs of blocking bookings of one expert overlap (invariant 1 says: none). An audit."""
    return _overlap_pairs(owner="expert_id", end="blocked_until")


def customer_overlap_pairs() -> int:
    """How many pairs of blocking bookings of one customer overlap in their own time (invariant 9 says:
    none, but for the rows migration 0009 kept as they were). An audit."""
    return _overlap_pairs(owner="customer_id", end="ends_at")


def _overlap_pairs(*, owner: str, end: str) -> int:
    """Pairs of blocking bookings with the same `owner` column whose [starts_at, `end`) overlap."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
              ON a.{owner} = b.{owner} AND a.id < b.id
             AND a.starts_at < b.{end} AND b.starts_at < a.{end}
           WHERE a.{{condition}} AND b.{{condition}}""".format(condition=constraint_condition_sql()))
        return cursor.fetchone()[0]
