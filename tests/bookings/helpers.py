from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone


def next_weekday(*, zone: str = "Asia/Kolkata", days_ahead: int = 7) -> date:
    """A Monday–Friday date at least days_ahead days from today in the zone."""
    day = timezone.now().astimezone(ZoneInfo(zone)).date() + timedelta(days=days_ahead)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0, zone: str = "Asia/Kolkata") -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))
