"""Run the suite with the clock moved: `pytest --clock=2028-02-29T12:00Z` (or SERENE_TEST_CLOCK).

Every test but the browser ones starts at that instant and the clock ticks on from there (time-machine
moves `time.time`, `datetime.now` and friends in every thread of this process; the database's own
clock is never read by Serene's code). Browser tests keep the real clock: Chromium's JavaScript reads
the machine's, and the pages' dates must agree with it.

`CLOCKS` is the list of instants `make test-clocks` visits; `clocks_for_day` picks the three that CI
visits on a given day, so that every instant comes round within a few days.
"""
from __future__ import annotations

import os
from datetime import date, datetime, timezone

import pytest

# Each instant is chosen for a way a test could depend on the day or the hour.
CLOCKS = {
    "first-of-month": "2027-03-01T10:00:00Z",
    "fourth-of-month": "2027-03-04T10:00:00Z",
    "last-of-month": "2027-04-30T10:00:00Z",
    "new-years-eve": "2027-12-31T12:00:00Z",
    "leap-day": "2028-02-29T12:00:00Z",
    # Half an hour before each zone's clocks change (London: 01:00 UTC; New York: 2 am local).
    "london-spring-forward": "2027-03-28T00:30:00Z",
    "london-fall-back": "2027-10-31T00:30:00Z",
    "new-york-spring-forward": "2027-03-14T06:30:00Z",
    "new-york-fall-back": "2027-11-07T05:30:00Z",
    "ten-to-midnight-utc": "2027-06-15T23:50:00Z",
}


def clocks_for_day(day: date, count: int = 3) -> list[str]:
    """`count` of the names above, a different set each day (consecutive in the list, from the day's
    ordinal), so a week of CI runs visits every instant."""
    names = list(CLOCKS)
    first = (day.toordinal() * count) % len(names)
    return [names[(first + offset) % len(names)] for offset in range(count)]


def parse_clock(text: str) -> datetime:
    """A name from CLOCKS or an ISO 8601 instant (UTC when it has no offset)."""
    text = CLOCKS.get(text, text)
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise pytest.UsageError(f"--clock: {text!r} is neither an ISO 8601 instant nor one of {', '.join(CLOCKS)}") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)


def pytest_addoption(parser):
    parser.addoption("--clock", default=os.environ.get("SERENE_TEST_CLOCK", ""),
                     help="run each test (browser tests excepted) with the clock moved to this instant "
                          f"(ISO 8601, or one of: {', '.join(CLOCKS)}); it ticks on from there")


def pytest_configure(config):
    text = config.getoption("--clock")
    config._serene_clock = parse_clock(text) if text else None


def pytest_report_header(config):
    if config._serene_clock is not None:
        return f"clock moved to {config._serene_clock.isoformat()} (browser tests keep the real clock)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """The whole test, its fixtures' setup and teardown included, runs at the moved clock."""
    instant = item.config._serene_clock
    if instant is None or item.get_closest_marker("browser"):
        yield
        return
    import time_machine
    with time_machine.travel(instant, tick=True):
        yield
