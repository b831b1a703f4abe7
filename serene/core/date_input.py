"""Dates and instants people send (API bodies and queries, page forms), read one way and kept inside
the calendar Serene computes with: year 1 or 9999 is a 400 naming the field, never an overflow deep
in the slot engine (a day's window there reaches a day either side)."""
from __future__ import annotations

from datetime import date, datetime

from .errors import InvalidInput
from .timezones import CALENDAR_FIRST_DAY, CALENDAR_LAST_DAY


def calendar_day_checked(day: date, *, field: str, message: str = "") -> date:
    """`day` itself, when it lies between CALENDAR_FIRST_DAY and CALENDAR_LAST_DAY."""
    if not CALENDAR_FIRST_DAY <= day <= CALENDAR_LAST_DAY:
        raise InvalidInput(message or f"{field} must be between {CALENDAR_FIRST_DAY} and {CALENDAR_LAST_DAY}.",
                           field=field)
    return day


def calendar_day_from_text(text: str, *, field: str, message: str = "") -> date:
    """A YYYY-MM-DD date inside the calendar; `message` (if given) replaces both refusals' words."""
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInput(message or f"{field} must be a real date as YYYY-MM-DD.", field=field) from None
    return calendar_day_checked(day, field=field, message=message)


def instant_from_text(text: str, *, field: str, message: str = "") -> datetime:
    """An ISO 8601 instant with its offset (…Z or +05:30) whose own date lies inside the calendar.

    The date is checked before anything converts the instant: 9999-12-31T23:00-05:00 overflows on
    its way to UTC."""
    try:
        instant = datetime.fromisoformat(text.strip().upper().replace("Z", "+00:00"))
    except (AttributeError, TypeError, ValueError):
        raise InvalidInput(message or f"{field} must be an ISO date-time such as 2026-01-15T08:30:00Z.",
                           field=field) from None
    if instant.tzinfo is None:
        raise InvalidInput(message or f"{field} must include its time zone (…Z or +05:30).", field=field)
    calendar_day_checked(instant.date(), field=field, message=message)
    return instant
