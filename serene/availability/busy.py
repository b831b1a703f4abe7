"""Busy time: what keeps an expert's slot from being offered besides their rules (a session booked,
a hold still live). Availability does not know where it is kept: the app that keeps it supplies it,
once, as SQL over its rows (bookings does, in its AppConfig.ready), so availability depends on no
app above it and the hot path still reads busy time in the same query as the expert.

The rows of the supplied table have the columns `id`, `expert_id`, `starts_at` and `blocked_until`
(the end of the session and its buffer); `condition` selects those that block at `now`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class BusyTimeSql:
    table: str
    condition: str  # an SQL condition on the table's columns, prefixed with the alias asked for
    params: list  # the condition's parameters, in order


BusyTimeSource = Callable[[str, datetime], BusyTimeSql]  # (alias, now) -> its SQL
_source: BusyTimeSource | None = None


def busy_time_supply(source: BusyTimeSource) -> None:
    """Make `source` the one supplier of busy time (the app that keeps bookings calls it at start)."""
    global _source
    _source = source


def busy_time_sql(*, alias: str = "", now: datetime) -> BusyTimeSql:
    """The busy rows' table and the condition that selects those blocking at `now`, with its
    columns prefixed by `alias` (none when empty)."""
    if _source is None:
        raise ImproperlyConfigured("No app supplies busy time: serene.bookings must be in INSTALLED_APPS.")
    return _source(alias, now)
