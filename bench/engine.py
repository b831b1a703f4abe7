"""The slot engine in process, no database: a month of available dates for an expert with 1,000
bookings, the engine's share of GET /experts/{id}/available-dates.

The expert works 08:00-20:00 every day in Asia/Kolkata on a 15-minute grid. 1,000 confirmed
30-minute bookings, twelve a day at 08:00, 09:00, ... 19:00 local, cover 84 days from 2026-12-02.
That is the hard case for a 60-minute session: every booked day has only 30-minute gaps, so it is
searched to its end. The clock is pinned (2026-12-01 00:00 UTC), so every run measures the same
months: 2026-12, 2027-01, 2027-02, at 30 and 60 minutes.

Each month is timed two ways, as the server meets them:
  cold: engine.available_dates, which expands the rules into the month's plan and then searches it
        (the first request for a month after the expert's rules change);
  warm: engine.available_dates_in over a plan already made (every later request: the server keeps
        the plan under the rules' version).
BENCH_ROUNDS rounds (default 3), BENCH_REPEATS calls per case per round; prints min / median / max
per round, then, per round, the slowest case's median against the 2 ms aim.

    .venv/bin/python bench/engine.py
    BENCH_REPEATS=200 BENCH_ROUNDS=5 .venv/bin/python bench/engine.py
"""
from __future__ import annotations

import calendar
import os
import statistics
import sys
import time
from datetime import date, datetime, time as clock_time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from serene.availability import engine  # noqa: E402  (pure: no Django setup needed)

REPEATS = int(os.environ.get("BENCH_REPEATS", "100"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
AIM_MS = 2.0
UTC = timezone.utc
ZONE = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 12, 1, tzinfo=UTC)
MONTHS = [(2026, 12), (2027, 1), (2027, 2)]


def _timed(call) -> list[float]:
    call()  # warm
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        call()
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def main() -> None:
    hours = (engine.TimeRange(clock_time(8), clock_time(20)),)
    rules = engine.Rules(time_zone=ZONE.key, weekly={day: hours for day in range(7)}, slot_interval_minutes=15,
                         horizon_days=120)
    first_day = date(2026, 12, 2)
    busy = []
    for n in range(1000):
        starts_at = datetime.combine(first_day + timedelta(days=n // 12), clock_time(8 + n % 12), tzinfo=ZONE)
        busy.append(engine.Interval(starts_at, starts_at + timedelta(minutes=30)))
    index = engine.BusyIndex(busy)
    print(f"{len(busy)} bookings; clock pinned at {NOW:%Y-%m-%d %H:%M} UTC; {ROUNDS} rounds x {REPEATS} repeats per "
          f"case; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    worst_per_round = []
    for round_number in range(ROUNDS):
        medians = {}
        for year, month in MONTHS:
            first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
            plan = engine.month_plan(rules, first, last, ZONE)
            for duration in (30, 60):
                found = engine.available_dates(rules, index, NOW, first, last, duration, ZONE)
                assert found == engine.available_dates_in(plan, rules, index, NOW, duration)
                for how, call in (
                        ("cold", lambda: engine.available_dates(rules, index, NOW, first, last, duration, ZONE)),
                        ("warm", lambda: engine.available_dates_in(plan, rules, index, NOW, duration))):
                    timings = _timed(call)
                    medians[(how, year, month, duration)] = statistics.median(timings)
                    print(f"round {round_number + 1} {how} available_dates {year}-{month:02d}, {duration} min: "
                          f"{len(found):2d} dates  min {min(timings):.3f} / median {statistics.median(timings):.3f} / "
                          f"max {max(timings):.3f} ms")
        day = first_day + timedelta(days=10)
        timings = _timed(lambda: engine.day_slots(rules, index, NOW, day, 30))
        print(f"round {round_number + 1} day_slots {day}, 30 min: min {min(timings):.3f} / median "
              f"{statistics.median(timings):.3f} / max {max(timings):.3f} ms")
        worst_per_round.append({how: max(value for key, value in medians.items() if key[0] == how)
                                for how in ("cold", "warm")})
    print()
    for how in ("cold", "warm"):
        worst = [round_worst[how] for round_worst in worst_per_round]
        met = sum(value <= AIM_MS for value in worst)
        print(f"aim: a month <= {AIM_MS} ms ({how}): the slowest month's median per round: "
              f"{', '.join(f'{value:.3f}' for value in worst)} ms: met in {met} of {len(worst)} rounds")


if __name__ == "__main__":
    main()
