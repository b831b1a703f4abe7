"""Time zone helpers: validate IANA names and store them canonical, offer a list for forms, and turn
a wall-clock time into an instant without guessing across daylight-saving changes."""
from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import cast

from django.core.exceptions import ValidationError

from .timefmt import LEGACY_TIME_ZONES, canonical_time_zone

# Dates the API reads and computes with; far enough either way, and clear of datetime's year 1 and 9999.
CALENDAR_FIRST_DAY = date(2000, 1, 1)
CALENDAR_LAST_DAY = date(2100, 12, 31)


@lru_cache(maxsize=1)
def available_time_zones() -> tuple[str, ...]:
    # Current Area/City names only: a legacy alias (Asia/Calcutta beside Asia/Kolkata, US/Eastern)
    # is valid but would offer one place twice, and is stored under its current name anyway.
    return tuple(sorted(name for name in zoneinfo.available_timezones()
                        if "/" in name and name not in LEGACY_TIME_ZONES
                        and not name.startswith(("Etc/", "SystemV/", "US/")))) + ("UTC",)


def is_valid_time_zone(name: str) -> bool:
    if not name or not isinstance(name, str) or len(name) > 64:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def time_zone_or_none(name: str) -> str | None:
    """The name to store for a zone someone sent (canonical: Asia/Calcutta → Asia/Kolkata), or None
    when it is not a time zone."""
    return canonical_time_zone(name) if is_valid_time_zone(name) else None


def validate_time_zone(value: str) -> None:
    """Model validator: an IANA zone under its current name (the admin and model forms store what passes)."""
    if not is_valid_time_zone(value):
        raise ValidationError(f"{value!r} is not an IANA time zone such as Asia/Kolkata.")
    if canonical_time_zone(value) != value:
        raise ValidationError(f"{value} is the old name of {canonical_time_zone(value)}; use that.")


class WallTimeError(ValueError):
    """A wall-clock time that names no instant, or not the one its offset says."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def format_utc_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def wall_time_resolve(*, day: date, wall: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant that `wall` on `day` names in `zone`.

    A time skipped when the clocks go forward (02:30 on New York's spring-forward day) names no
    instant and raises WallTimeError rather than moving an hour. A time that happens twice when the
    clocks go back means the earlier one, unless `wall` carries a UTC offset (time.fromisoformat
    ("01:30-05:00")) that picks one; an offset the zone does not have then raises WallTimeError.
    """
    naive = datetime.combine(day, wall.replace(tzinfo=None))
    candidates: list[datetime] = []
    for fold in (0, 1):
        local = naive.replace(tzinfo=zone, fold=fold)
        exists = local.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) == naive
        if exists and all(local.utcoffset() != other.utcoffset() for other in candidates):
            candidates.append(local)
    shown = f"{wall:%H:%M} on {day.isoformat()} in {zone.key}"
    if not candidates:
        raise WallTimeError(f"{shown} does not exist: the clocks skip that time when daylight saving starts. "
                            "Please choose another time.")
    candidates.sort(key=lambda local: local.astimezone(timezone.utc))
    wanted = wall.utcoffset()
    if wanted is None:  # no offset given: time.fromisoformat gives a fixed offset or no tzinfo at all
        return candidates[0].astimezone(timezone.utc)
    for local in candidates:
        if local.utcoffset() == wanted:
            return local.astimezone(timezone.utc)
    # A datetime in a ZoneInfo always has an offset.
    offsets = " or ".join(format_utc_offset(cast(timedelta, local.utcoffset())) for local in candidates)
    raise WallTimeError(f"{shown} is at UTC{offsets}, not {format_utc_offset(wanted)}.")


def legacy_time_zones_replace(*, model, field: str) -> int:
    """Store `field` of every row under the current zone name (Asia/Calcutta → Asia/Kolkata), in one
    UPDATE. For data migrations, which pass their historical model; returns the rows changed."""
    from django.db.models import Case, F, Value, When

    renamed = Case(*[When(**{field: old}, then=Value(new)) for old, new in LEGACY_TIME_ZONES.items()],
                   default=F(field))
    return model.objects.filter(**{f"{field}__in": list(LEGACY_TIME_ZONES)}).update(**{field: renamed})
