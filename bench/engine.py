"""The slot engine in process, no database: a month of available dates for an expert with 1,000
bookings, the engine's share of GET /experts/{id}/available-dates.

The expert works 08:00-20:00 every day in Asia/Kolkata on a 15-minute grid; 1,000 confirmed
30-minute bookings, twelve a day every other half hour (as bench/availability.py seeds them),
cover the next ~84 days. Times engine.available_dates for each of the next three months at 30 and
60 minutes (the month's dates in the viewer's zone), BENCH_REPEATS times, and prints min / median /
max per call; also one day's slots for comparison.

    .venv/bin/python bench/engine.py
    BENCH_REPEATS=200 .venv/bin/python bench/engine.py
"""
from __future__ import annotations

import calendar
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from serene.availability import engine  # noqa: E402  (pure: no Django setup needed)

REPEATS = int(os.environ.get("BENCH_REPEATS", "100"))
AIM_MS = 2.0
UTC = timezone.utc


def main() -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    hours = (engine.TimeRange(datetime.strptime("08:00", "%H:%M").time(), datetime.strptime("20:00", "%H:%M").time()),)
    rules = engine.Rules(time_zone="Asia/Kolkata", weekly={day: hours for day in range(7)}, slot_interval_minutes=15,
                         horizon_days=120)
    start = now.replace(minute=0) + timedelta(days=1)
    busy = []
    for n in range(1000):
        starts_at = start + timedelta(days=n // 12, hours=n % 12)
        busy.append(engine.Interval(starts_at, starts_at + timedelta(minutes=30)))
    index = engine.BusyIndex(busy)
    zone = ZoneInfo("Asia/Kolkata")
    print(f"{len(busy)} bookings; {REPEATS} repeats per case; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    medians = []
    today = now.astimezone(zone).date()
    months = []
    year, month = today.year, today.month
    for _ in range(3):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for year, month in months:
        first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        for duration in (30, 60):
            timings = []
            for _ in range(REPEATS):
                began = time.perf_counter()
                found = engine.available_dates(rules, index, now, first, last, duration, zone)
                timings.append((time.perf_counter() - began) * 1000)
            medians.append(statistics.median(timings))
            print(f"available_dates {year}-{month:02d}, {duration} min: {len(found):2d} dates  min "
                  f"{min(timings):.3f} / median {statistics.median(timings):.3f} / max {max(timings):.3f} ms")
    day = today + timedelta(days=10)
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        slots = engine.day_slots(rules, index, now, day, 30)
        timings.append((time.perf_counter() - began) * 1000)
    print(f"day_slots {day}, 30 min: {len(slots)} slots  min {min(timings):.3f} / median "
          f"{statistics.median(timings):.3f} / max {max(timings):.3f} ms")
    worst = max(medians)
    print(f"aim: a month <= {AIM_MS} ms: the slowest month's median is {worst:.3f} ms: "
          f"{'met' if worst <= AIM_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
