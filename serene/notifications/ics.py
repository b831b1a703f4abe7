"""Calendar invites (.ics) and Google Calendar links for a booking.

One booking is one calendar event for good: its UID never changes, and SEQUENCE rises with every
change people's calendars must take in (each reschedule, then the cancellation), so a calendar
replaces the old entry instead of adding a second one. METHOD:REQUEST puts a session in (or moves
it), METHOD:CANCEL takes it out. Times carry the recipient's zone, with its VTIMEZONE.

The event's STATUS follows the booking, whatever the method: a session that will not take place is
CANCELLED (no alarm, and the cancelled SEQUENCE, so the page's download can never bring back an event
the CANCEL email took out); one still waiting for payment or the expert's approval is TENTATIVE.

The ORGANIZER is the address the invites are sent from (DEFAULT_FROM_EMAIL), under the brand's name:
iMIP (RFC 6047, 2.2) has a receiver check that an invite's sender matches its ORGANIZER, so a
noreply sender with a support ORGANIZER looks forged to it. Nobody is asked to reply (every attendee
is RSVP=FALSE, already ACCEPTED); the support address is in every email's words instead.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from email.utils import parseaddr

from django.conf import settings
from django.urls import reverse
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from serene.bookings.models import Booking, BookingStatus
from serene.core.timefmt import canonical_time_zone

REQUEST, CANCEL, PUBLISH = "REQUEST", "CANCEL", "PUBLISH"
ALARM_BEFORE = timedelta(minutes=15)


def session_url(booking: Booking) -> str:
    """The session's own page: what emails and invites link to."""
    return settings.SITE_URL + reverse("customer:session", args=[booking.public_id])


def _summary(booking: Booking) -> str:
    return f"{settings.BRAND_NAME} session with {booking.expert.name}"


def _description(booking: Booking) -> str:
    return (f"{booking.duration_minutes}-minute video session with {booking.expert.name} "
            f"({booking.expert.headline}) and {booking.customer.name}.\n"
            f"Your session page: {session_url(booking)}")


def booking_uid(booking: Booking) -> str:
    return f"{booking.public_id}@serene"


# Bookings that will not take place (an expired hold never did).
ENDED_STATUSES = (BookingStatus.CANCELLED, BookingStatus.REJECTED, BookingStatus.EXPIRED)
TENTATIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.AWAITING_APPROVAL)


def booking_sequence(booking: Booking) -> int:
    """0 when first booked, one more for each move, and one more again once cancelled."""
    return booking.reschedule_count + (1 if booking.status in ENDED_STATUSES else 0)


def event_status(*, booking: Booking, method: str) -> str:
    """The VEVENT's STATUS: what the booking is now (a CANCEL is always CANCELLED)."""
    if method == CANCEL or booking.status in ENDED_STATUSES:
        return "CANCELLED"
    return "TENTATIVE" if booking.status in TENTATIVE_STATUSES else "CONFIRMED"


def organizer_address() -> tuple[str, str]:
    """(name, address) of the invites' ORGANIZER: the sender's address, under the brand's name."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return settings.BRAND_NAME or name, address or settings.SUPPORT_EMAIL


def _person(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def booking_ics(*, booking: Booking, method: str = PUBLISH, zone: str = "", stamp: datetime | None = None) -> bytes:
    """The booking as an iCalendar file, its times in `zone` (default: the customer's)."""
    zone_name = canonical_time_zone(zone or booking.customer_time_zone or booking.expert.time_zone)
    tz = ZoneInfo(zone_name)
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.BRAND_NAME}//Sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("sequence", booking_sequence(booking))
    event.add("dtstamp", stamp or booking.updated_at or booking.created_at)
    event.add("dtstart", booking.starts_at.astimezone(tz))
    event.add("dtend", booking.ends_at.astimezone(tz))
    event.add("summary", _summary(booking))
    event.add("description", _description(booking))
    event.add("location", vText(session_url(booking)))
    event.add("url", session_url(booking))
    status = event_status(booking=booking, method=method)
    event.add("status", status)
    organizer_name, organizer_email = organizer_address()
    event["organizer"] = _person(organizer_email, organizer_name)
    event.add("attendee", _person(booking.customer.email, booking.customer.name, role="REQ-PARTICIPANT",
                                  partstat="ACCEPTED", rsvp="FALSE"))
    event.add("attendee", _person(booking.expert.user.email, booking.expert.name, role="REQ-PARTICIPANT",
                                  partstat="ACCEPTED", rsvp="FALSE"))
    if status != "CANCELLED":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{_summary(booking)} starts in 15 minutes")
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def google_calendar_url(*, booking: Booking) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    query = urlencode({"action": "TEMPLATE", "text": _summary(booking),
                       "dates": f"{booking.starts_at:{stamp}}/{booking.ends_at:{stamp}}",
                       "details": _description(booking), "location": session_url(booking)})
    return f"https://calendar.google.com/calendar/render?{query}"
