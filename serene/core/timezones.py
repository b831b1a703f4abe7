"""Time zone helpers: validate IANA names and offer a list for forms."""
from __future__ import annotations

import zoneinfo
from functools import lru_cache


@lru_cache(maxsize=1)
def available_time_zones() -> tuple[str, ...]:
    # Legacy aliases such as "US/Eastern" are valid but clutter a picker; keep Area/City names.
    return tuple(sorted(name for name in zoneinfo.available_timezones()
                        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")))) + ("UTC",)


def is_valid_time_zone(name: str) -> bool:
    if not name or len(name) > 64:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
