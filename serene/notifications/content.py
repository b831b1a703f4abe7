"""What each message says, per recipient: subject, a few sentences, the session's details in the
recipient's own time zone, and the links that apply. The HTML and plain-text bodies are both drawn
from one Email, so they never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse

from serene.accounts.models import User
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.policy import cancellation_sentence
from serene.core.money import format_money
from serene.core.timefmt import canonical_time_zone, format_date, format_short_day, format_time, format_time_range, zone_label

from .ics import CANCEL, REQUEST, google_calendar_url, session_url

CUSTOMER, EXPERT = "customer", "expert"


@dataclass
class Email:
    kind: str
    role: str  # customer or expert: whose side of the booking it is written for
    recipient: User
    subject: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, absolute URL); the first is primary
    ics_method: str = ""
    zone: str = ""  # the recipient's time zone, for the invite


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def customer_zone(booking: Booking) -> str:
    return canonical_time_zone(booking.customer_time_zone or booking.customer.time_zone or booking.expert.time_zone)


def expert_zone(booking: Booking) -> str:
    return canonical_time_zone(booking.expert.time_zone)


def _first_name(user: User) -> str:
    return user.get_short_name()


def _time_rows(booking: Booking, *, zone: str, other_zone: str, other_name: str,
               starts_at: datetime | None = None) -> list[tuple[str, str]]:
    """Date and time in `zone`; the other side's time too when their clock reads differently."""
    starts_at = starts_at or booking.starts_at
    ends_at = starts_at + timedelta(minutes=booking.duration_minutes)
    time_text = f"{format_time_range(starts_at, ends_at, zone)} ({zone_label(zone)})"
    if other_zone != zone:
        other_day = format_short_day(starts_at.astimezone(_zone(other_zone)).date())
        same_day = format_date(starts_at, other_zone) == format_date(starts_at, zone)
        time_text += (f"; {format_time(starts_at, other_zone)}{'' if same_day else ' on ' + other_day} "
                      f"for {other_name} ({zone_label(other_zone)})")
    return [("Date", format_date(starts_at, zone)), ("Time", time_text),
            ("Duration", f"{booking.duration_minutes} minutes")]


def _zone(name: str):
    from zoneinfo import ZoneInfo
    return ZoneInfo(name)


def _customer_rows(booking: Booking) -> list[tuple[str, str]]:
    return [("Expert", f"{booking.expert.name}, {booking.expert.headline}"),
            *_time_rows(booking, zone=customer_zone(booking), other_zone=expert_zone(booking),
                        other_name=booking.expert.name)]


def _expert_rows(booking: Booking) -> list[tuple[str, str]]:
    rows = [("Client", booking.customer.name),
            *_time_rows(booking, zone=expert_zone(booking), other_zone=customer_zone(booking),
                        other_name=booking.customer.name),
            ("Amount", format_money(booking.price_minor, booking.currency))]
    if booking.customer_note:
        rows.append(("Client's note", booking.customer_note))
    return rows


def _amount(booking: Booking) -> str:
    return format_money(booking.price_minor, booking.currency)


def _receipt_url(booking: Booking) -> str:
    return _absolute(reverse("customer:receipt", args=[booking.public_id]))


def _dashboard_url() -> str:
    """The expert's desk: every email with this button goes to the expert (the customer's emails link to
    their session page)."""
    return _absolute(reverse("desk:dashboard"))


def _profile_url(booking: Booking) -> str:
    return _absolute(reverse("marketplace:profile", args=[booking.expert.slug]))


def _customer(kind: str, booking: Booking, **fields) -> Email:
    return Email(kind=kind, role=CUSTOMER, recipient=booking.customer, zone=customer_zone(booking), **fields)


def _expert(kind: str, booking: Booking, **fields) -> Email:
    return Email(kind=kind, role=EXPERT, recipient=booking.expert.user, zone=expert_zone(booking), **fields)


def _reminder_sentence(booking: Booking, *, day_before_planned: bool) -> str:
    soon = settings.REMINDER_SOON_MINUTES
    if day_before_planned:
        return f"We will email you a reminder the day before, and again {soon} minutes before it starts."
    return f"We will email you a reminder {soon} minutes before it starts."


def _cancellation_sentence(booking: Booking, *, now: datetime) -> str:
    return cancellation_sentence(booking=booking, now=now)


# --- Booked -------------------------------------------------------------------------------------

def booking_confirmed(booking: Booking, *, now: datetime, approved: bool, day_before_planned: bool) -> Email:
    expert = booking.expert.name
    opening = (f"{expert} has accepted your booking: your {booking.duration_minutes}-minute session is confirmed."
               if approved else f"Your {booking.duration_minutes}-minute session with {expert} is booked and paid.")
    return _customer(
        "booking_approved" if approved else "booking_confirmed", booking,
        subject=f"Your session with {expert} is confirmed!", heading=f"Your session with {expert} is confirmed!",
        paragraphs=[f"Hi {_first_name(booking.customer)},", opening,
                    "The calendar invite is attached (invite.ics); it adds the session to your calendar.",
                    _reminder_sentence(booking, day_before_planned=day_before_planned),
                    _cancellation_sentence(booking, now=now)],
        details=[*_customer_rows(booking), ("Amount paid", _amount(booking))],
        buttons=[("View your session", session_url(booking)), ("Download receipt", _receipt_url(booking)),
                 ("Add to Google Calendar", google_calendar_url(booking=booking))],
        ics_method=REQUEST)


def booking_new_for_expert(booking: Booking) -> Email:
    client = booking.customer.name
    return _expert(
        "booking_new", booking, subject=f"New Booking Alert - {client}", heading=f"New booking: {client}",
        paragraphs=[f"Hi {_first_name(booking.expert.user)},",
                    f"{client} has booked and paid for a {booking.duration_minutes}-minute session with you.",
                    "The calendar invite is attached (invite.ics)."],
        details=_expert_rows(booking), buttons=[("Open your dashboard", _dashboard_url())], ics_method=REQUEST)


def booking_approved_for_expert(booking: Booking) -> Email:
    client = booking.customer.name
    return _expert(
        "booking_approved_expert", booking, subject=f"Confirmed: your session with {client}",
        heading=f"Your session with {client} is confirmed",
        paragraphs=[f"Hi {_first_name(booking.expert.user)},",
                    f"You accepted {client}'s {booking.duration_minutes}-minute session; we have told them.",
                    "The calendar invite is attached (invite.ics)."],
        details=_expert_rows(booking), buttons=[("Open your dashboard", _dashboard_url())], ics_method=REQUEST)


# --- Approval ------------------------------------------------------------------------------------

def approval_requested(booking: Booking) -> Email:
    client = booking.customer.name
    hours = settings.APPROVAL_DEADLINE_HOURS
    return _expert(
        "approval_requested", booking, subject=f"Approval needed: {client} asked for a session",
        heading=f"{client} is waiting for your approval",
        paragraphs=[f"Hi {_first_name(booking.expert.user)},",
                    f"{client} has paid for a {booking.duration_minutes}-minute session and is waiting for you to "
                    "accept it. The time stays reserved for them until you decide.",
                    f"A booking not accepted {hours} hours before it starts is declined and refunded in full "
                    "automatically."],
        details=_expert_rows(booking), buttons=[("Open your dashboard", _dashboard_url())])


def approval_pending(booking: Booking, *, now: datetime) -> Email:
    expert = booking.expert.name
    return _customer(
        "approval_pending", booking, subject=f"Payment received: waiting for {expert} to accept",
        heading=f"Waiting for {expert} to accept",
        paragraphs=[f"Hi {_first_name(booking.customer)},",
                    f"We received your payment. {expert} accepts bookings by hand, so your session is not confirmed "
                    "yet; the time is reserved for you meanwhile.",
                    "We will email you as soon as they decide.", _cancellation_sentence(booking, now=now)],
        details=[*_customer_rows(booking), ("Amount paid", _amount(booking))],
        buttons=[("View your session", session_url(booking)), ("Download receipt", _receipt_url(booking))])


def booking_rejected(booking: Booking, *, reason: str, by_system: bool) -> Email:
    expert = booking.expert.name
    why = (f"{expert} did not answer in time, so the booking was declined automatically." if by_system
           else f"{expert} could not take this session." + (f" Their message: “{reason}”" if reason else ""))
    return _customer(
        "booking_rejected", booking, subject=f"{expert} could not take your session",
        heading=f"{expert} could not take your session",
        paragraphs=[f"Hi {_first_name(booking.customer)},", why,
                    f"The full amount, {_amount(booking)}, is being refunded to the way you paid. Banks usually "
                    "show a refund within 5–7 working days."],
        details=_customer_rows(booking), buttons=[("Choose another time", _profile_url(booking))])


# --- Changes ---------------------------------------------------------------------------------------

def booking_cancelled(booking: Booking, *, role: str, by_whom: str, reason: str, refund_due: bool,
                      was_confirmed: bool) -> Email:
    expert, client = booking.expert.name, booking.customer.name
    who = {"customer": client if role == EXPERT else "You", "expert": expert if role == CUSTOMER else "You",
           "staff": f"{settings.BRAND_NAME} support", "system": settings.BRAND_NAME}.get(by_whom, by_whom)
    said = f" The reason given: “{reason}”" if reason and by_whom in ("customer", "expert", "staff") else ""
    if role == CUSTOMER:
        money = (f"The full amount, {_amount(booking)}, is being refunded to the way you paid; banks usually show "
                 "it within 5–7 working days." if refund_due else
                 f"It was cancelled less than {settings.CANCELLATION_WINDOW_HOURS} hours before the start, so it is "
                 "not refunded.")
        return _customer(
            "booking_cancelled", booking, subject=f"Cancelled: your session with {expert}",
            heading=f"Your session with {expert} is cancelled",
            paragraphs=[f"Hi {_first_name(booking.customer)},", f"{who} cancelled this session.{said}", money],
            details=_customer_rows(booking), buttons=[("Book another time", _profile_url(booking))],
            ics_method=CANCEL if was_confirmed else "")
    return _expert(
        "booking_cancelled", booking, subject=f"Cancelled: {client}'s session",
        heading=f"Session with {client} cancelled",
        paragraphs=[f"Hi {_first_name(booking.expert.user)},", f"{who} cancelled this session.{said}",
                    "The time is free again for other bookings."],
        details=_expert_rows(booking), buttons=[("Open your dashboard", _dashboard_url())],
        ics_method=CANCEL if was_confirmed else "")


def booking_moved(booking: Booking, *, role: str, moved_from: datetime) -> Email:
    expert, client = booking.expert.name, booking.customer.name
    if role == CUSTOMER:
        zone = customer_zone(booking)
        was = f"{format_date(moved_from, zone)}, {format_time(moved_from, zone)}"
        return _customer(
            "booking_moved", booking, subject=f"Moved: your session with {expert}",
            heading=f"Your session with {expert} has moved",
            paragraphs=[f"Hi {_first_name(booking.customer)},", f"Your session is now at the time below (it was {was}).",
                        "The updated invite is attached; it replaces the old entry in your calendar."],
            details=_customer_rows(booking), buttons=[("View your session", session_url(booking))], ics_method=REQUEST)
    zone = expert_zone(booking)
    was = f"{format_date(moved_from, zone)}, {format_time(moved_from, zone)}"
    return _expert(
        "booking_moved", booking, subject=f"Moved: {client}'s session",
        heading=f"{client} moved their session",
        paragraphs=[f"Hi {_first_name(booking.expert.user)},", f"The session is now at the time below (it was {was}).",
                    "The updated invite is attached; it replaces the old entry in your calendar."],
        details=_expert_rows(booking), buttons=[("Open your dashboard", _dashboard_url())], ics_method=REQUEST)


# --- Money ---------------------------------------------------------------------------------------------

def payment_time_lost(booking: Booking) -> Email:
    expert = booking.expert.name
    return _customer(
        "payment_time_lost", booking, subject=f"We could not keep your time with {expert}: full refund on its way",
        heading="We could not keep this time",
        paragraphs=[f"Hi {_first_name(booking.customer)},",
                    f"We received your payment of {_amount(booking)}, but it arrived after the hold on this time "
                    "had ended and the time was no longer free.",
                    "We are refunding the full amount to the way you paid; banks usually show it within 5–7 working "
                    "days. You can choose another time whenever you like."],
        details=_customer_rows(booking), buttons=[("Choose another time", _profile_url(booking))])


def refund_processed(booking: Booking, *, refunded_minor: int, in_full: bool) -> Email:
    amount = format_money(refunded_minor, booking.currency)
    return _customer(
        "refund_processed", booking, subject=f"Refund processed: {amount}",
        heading=f"Your refund of {amount} is done",
        paragraphs=[f"Hi {_first_name(booking.customer)},",
                    (f"We have refunded the full amount, {amount}," if in_full else f"We have refunded {amount}")
                    + f" for your session with {booking.expert.name}. Banks usually show it within 5–7 working days."
                    + (" Your session is still on." if booking.status in (BookingStatus.CONFIRMED,
                                                                        BookingStatus.AWAITING_APPROVAL) else "")],
        details=[*_customer_rows(booking), ("Refunded", amount)],
        buttons=[("Download receipt", _receipt_url(booking))])


# --- Reminders -------------------------------------------------------------------------------------------

def reminder(booking: Booking, *, role: str, soon: bool) -> Email:
    expert, client = booking.expert.name, booking.customer.name
    other = expert if role == CUSTOMER else client
    minutes = settings.REMINDER_SOON_MINUTES
    if soon:
        subject = f"Starting in {minutes} minutes: your session with {other}"
        opening = f"Your session with {other} starts in {minutes} minutes. Open your session page to join."
    else:
        subject = f"Reminder: Your session with {other} is tomorrow"
        opening = f"A reminder that your session with {other} is tomorrow."
    build = _customer if role == CUSTOMER else _expert
    user = booking.customer if role == CUSTOMER else booking.expert.user
    return build(
        "reminder_soon" if soon else "reminder_day_before", booking, subject=subject, heading=subject,
        paragraphs=[f"Hi {_first_name(user)},", opening],
        details=_customer_rows(booking) if role == CUSTOMER else _expert_rows(booking),
        buttons=[("Open your session", session_url(booking))])
