"""Calendar invites (.ics) and Google Calendar links for a booking."""
from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

from serene.bookings.models import Booking


def _summary(booking: Booking) -> str:
    return f"Serene session with {booking.expert.name}"


def _description(booking: Booking) -> str:
    return (f"{booking.duration_minutes}-minute video session with {booking.expert.name} "
            f"({booking.expert.headline}). Join from your Serene dashboard: {settings.SITE_URL}/dashboard/")


def booking_ics(*, booking: Booking) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Serene//Sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{booking.public_id}@serene")
    event.add("dtstamp", booking.created_at)
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    event.add("summary", _summary(booking))
    event.add("description", _description(booking))
    event.add("location", vText(f"{settings.SITE_URL}/dashboard/"))
    event.add("status", "CONFIRMED")
    organizer = vCalAddress(f"mailto:{settings.SUPPORT_EMAIL}")
    organizer.params["cn"] = vText("Serene")
    event["organizer"] = organizer
    calendar.add_component(event)
    return calendar.to_ical()


def google_calendar_url(*, booking: Booking) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    query = urlencode({"action": "TEMPLATE", "text": _summary(booking),
                       "dates": f"{booking.starts_at:{stamp}}/{booking.ends_at:{stamp}}",
                       "details": _description(booking)})
    return f"https://calendar.google.com/calendar/render?{query}"
