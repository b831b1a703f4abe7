"""Availability API under load: latency and throughput against a real uvicorn server.

Seeds 200 experts, one of them with 1,000 confirmed bookings over the next 84 days (twelve a day,
leaving only 30-minute gaps), starts uvicorn on 127.0.0.1, and calls GET /experts/{id}/availability and /available-dates a few thousand times
each (plus /healthz, a trivial JSON endpoint of the same server, as the baseline). Every endpoint
is warmed first; then, in each of BENCH_ROUNDS rounds and at each connection count, the three suites
run one after another, in an order that rotates from round to round. Prints each round's p50, p99,
requests per second and ratios to /healthz, then the spread (min / median / max over the rounds),
and in how many rounds each aim was met; also the SQL queries per request.

    .venv/bin/python bench/availability.py                   # SQLite file under var/bench/
    DATABASE_URL=postgresql://postgres@127.0.0.1/serene_bench_run .venv/bin/python bench/availability.py
    BENCH_REQUESTS=400 BENCH_ROUNDS=3 BENCH_CONCURRENCY=1,8 .venv/bin/python bench/availability.py
    BENCH_CLIENT=wrk BENCH_WRK_SECONDS=10 .venv/bin/python bench/availability.py   # wrk as the client

The database named in DATABASE_URL is dropped and created again: never point it at one you keep.
"""
from __future__ import annotations

import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from datetime import time as wall_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "400"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONCURRENCIES = [int(n) for n in os.environ.get("BENCH_CONCURRENCY", "1,8").split(",")]
WARMUP = 100
# BENCH_CLIENT=wrk drives each suite with wrk (Debian's package) for BENCH_WRK_SECONDS instead of
# this script's own threads for BENCH_REQUESTS requests.
CLIENT = os.environ.get("BENCH_CLIENT", "python")
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
EXPERTS = 200
BOOKINGS = 1000


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{BENCH_DIR / 'availability.sqlite3'}")
    env.update(DJANGO_SETTINGS_MODULE="serene.settings", DEBUG="false", SECRET_KEY="bench-only-secret-key-" + "x" * 30,
               ALLOWED_HOSTS="127.0.0.1", SERENE_VAR_DIR=str(BENCH_DIR), LOG_LEVEL="WARNING")
    return env


def _database_reset(env: dict[str, str]) -> None:
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
    else:
        import dj_database_url
        import psycopg
        config = dj_database_url.parse(url)
        with psycopg.connect(host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"],
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{config["NAME"]}"')


def seed(env: dict[str, str]) -> tuple[str, str]:
    """Create the experts and bookings; return (busy expert id, idle expert id)."""
    os.environ.update(env)
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from serene.accounts.models import Role, User
    from serene.availability.models import WeeklySchedule
    from serene.bookings.models import Booking, BookingStatus
    from serene.experts.models import Category, Expert

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        category = Category.objects.create(slug="therapy", name="Therapy")
        users = User.objects.bulk_create(User(email=f"expert{n}@bench.test", name=f"Expert {n}", role=Role.EXPERT,
                                              password="!") for n in range(EXPERTS + 1))
        experts = Expert.objects.bulk_create(Expert(user=user, slug=f"expert-{n}", headline="Bench", bio="Bench",
                                                    category=category, hourly_rate_minor=150000, minimum_notice_hours=0,
                                                    booking_horizon_days=120, offered_durations=[30, 60])
                                             for n, user in enumerate(users[:EXPERTS]))
        busy = experts[0]
        every_day = [{"start": "08:00", "end": "20:00"}]
        WeeklySchedule.objects.create(expert=busy, weekly_hours={str(day): every_day for day in range(7)})
        customer = users[EXPERTS]
        rows = []
        # Twelve 30-minute bookings a day at 08:00, 09:00, ... 19:00 on the expert's clock (Asia/Kolkata,
        # working 08:00-20:00) from tomorrow for ~84 days: only 30-minute gaps, the hard case for a
        # 60-minute month (every booked day is searched to its end).
        zone = ZoneInfo(busy.time_zone)
        first_day = datetime.now(zone).date() + timedelta(days=1)
        for n in range(BOOKINGS):
            starts_at = datetime.combine(first_day + timedelta(days=n // 12), wall_time(8 + n % 12), tzinfo=zone)
            rows.append(Booking(customer=customer, expert=busy, starts_at=starts_at,
                                ends_at=starts_at + timedelta(minutes=30), blocked_until=starts_at + timedelta(minutes=30),
                                duration_minutes=30, price_minor=75000, status=BookingStatus.CONFIRMED))
        Booking.objects.bulk_create(rows)
    from django.db import connection
    if connection.vendor == "postgresql":  # table statistics, as autovacuum keeps them on a live database
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return busy.slug, experts[1].slug


def queries_per_request(busy: str, idle: str) -> dict[str, str]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    client = Client(HTTP_HOST="127.0.0.1")
    day = (datetime.now(timezone.utc) + timedelta(days=10)).date()
    counts = {}
    for name, slug in (("no bookings", idle), ("1,000 bookings", busy)):
        for endpoint, path in (("availability", f"/api/v1/experts/{slug}/availability?date={day}&duration=30"),
                               ("available-dates", f"/api/v1/experts/{slug}/available-dates?month={day.month}&year={day.year}")):
            first_and_then = []
            for _ in range(2):  # the first call fills the expert's rules cache; the second reads it
                with CaptureQueriesContext(connection) as context:
                    assert client.get(path).status_code == 200
                first_and_then.append(len(context))
            counts[f"{endpoint}, expert with {name} (first call, then cached)"] = " then ".join(map(str, first_and_then))
    return counts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int) -> None:
    deadline = time.time() + 180  # the shared machine can be slow to start a server
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def load(port: int, paths: list[str], concurrency: int) -> tuple[list[float], float, int]:
    """Send every path once over `concurrency` keep-alive connections; return latencies, seconds, errors."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    queue = list(paths)

    def worker():
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            began = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                errors += response.status != 200
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - began, errors


# wrk's Lua hook: each request takes the next path of the suite's file, round and round.
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_WRK_PATHS")) do paths[#paths + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n - 1) % #paths + 1])
end
"""
WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_load(port: int, paths: list[str], concurrency: int) -> dict:
    """The suite through wrk (a C load generator: no client-side GIL or collector pauses in the
    figures) for WRK_SECONDS at `concurrency` connections; its p50, p99 (wrk's latency histogram),
    requests per second and non-2xx answers."""
    import re
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        script, listing = Path(folder, "paths.lua"), Path(folder, "paths.txt")
        script.write_text(WRK_SCRIPT)
        listing.write_text("\n".join(paths) + "\n")
        output = subprocess.run(["wrk", "-t1", f"-c{concurrency}", f"-d{WRK_SECONDS}s", "--latency", "-s", str(script),
                                 f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True,
                                env={**os.environ, "BENCH_WRK_PATHS": str(listing)}).stdout

    def milliseconds(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE).groups()
        return float(value) * WRK_UNITS[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"p50": milliseconds("50%"), "p99": milliseconds("99%"),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "errors": int(errors.group(1)) if errors else 0}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


BASELINE, DAY, MONTH = "GET /healthz (baseline)", "GET /experts/{id}/availability", "GET /experts/{id}/available-dates"
# The aims, as ratios to the baseline in the same round: (suite, percentile, at most).
AIMS = [(DAY, "p50", 1.5), (DAY, "p99", 2.0), (MONTH, "p50", 2.5), (MONTH, "p99", 2.5)]


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def main() -> None:
    env = _environment()
    per_suite = f"wrk for {WRK_SECONDS} s" if CLIENT == "wrk" else f"{REQUESTS} requests"
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}; {EXPERTS} experts, {BOOKINGS} bookings for one; "
          f"{ROUNDS} rounds x connections {CONCURRENCIES}, {per_suite} per suite per round; uvicorn, 1 worker; "
          f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start")
    _database_reset(env)
    busy, idle = seed(env)
    for name, count in queries_per_request(busy, idle).items():
        print(f"SQL queries per request, {name}: {count}")

    port = int(os.environ.get("BENCH_PORT", "0")) or _free_port()
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "uvicorn"), "serene.asgi:application", "--host", "127.0.0.1",
                               "--port", str(port), "--log-level", "warning", "--no-access-log"], cwd=ROOT, env=env)
    try:
        _wait_for(port)
        random_source = random.Random(7)
        today = datetime.now(timezone.utc).date()
        days = [today + timedelta(days=offset) for offset in range(1, 90)]
        months = sorted({(day.year, day.month) for day in days})

        count = max(REQUESTS, 2000) if CLIENT == "wrk" else REQUESTS  # wrk goes round its list for its seconds

        def paths(name: str) -> list[str]:
            if name == BASELINE:
                return ["/healthz"] * count
            if name == DAY:
                return [f"/api/v1/experts/{busy}/availability?date={random_source.choice(days)}"
                        f"&duration={random_source.choice([30, 60])}" for _ in range(count)]
            return ["/api/v1/experts/{}/available-dates?month={}&year={}".format(busy, *reversed(random_source.choice(months)))
                    for _ in range(count)]

        suites = [BASELINE, DAY, MONTH]
        for name in suites:  # warm every endpoint (and every month's cache entry) before measuring
            load(port, paths(name)[:WARMUP], 2)
        results: dict[tuple[int, str], list[dict]] = {}
        for round_number in range(ROUNDS):
            for concurrency in CONCURRENCIES:
                order = suites[round_number % 3:] + suites[:round_number % 3]  # alternate which suite goes first
                figures = {}
                for name in order:
                    if CLIENT == "wrk":
                        figures[name] = wrk_load(port, paths(name), concurrency)
                        continue
                    latencies, seconds, errors = load(port, paths(name), concurrency)
                    figures[name] = {"p50": statistics.median(latencies) * 1000, "p99": _percentile(latencies, .99) * 1000,
                                     "rps": len(latencies) / seconds, "errors": errors}
                for name in suites:
                    row = figures[name]
                    row["p50x"] = row["p50"] / figures[BASELINE]["p50"]
                    row["p99x"] = row["p99"] / figures[BASELINE]["p99"]
                    results.setdefault((concurrency, name), []).append(row)
                    print(f"round {round_number + 1} c={concurrency} {name:36s} p50 {row['p50']:6.1f} ms  "
                          f"p99 {row['p99']:6.1f} ms  {row['rps']:6.1f} req/s  errors {row['errors']}  "
                          f"p50 {row['p50x']:.2f}x  p99 {row['p99x']:.2f}x", flush=True)
        print(f"\nSpread over {ROUNDS} rounds (min / median / max):")
        print("| connections | endpoint | p50 ms | p99 ms | p50 vs /healthz | p99 vs /healthz | req/s |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for concurrency in CONCURRENCIES:
            for name in suites:
                rows = results[(concurrency, name)]
                print(f"| {concurrency} | `{name}` | {_spread([r['p50'] for r in rows])} | {_spread([r['p99'] for r in rows])} | "
                      f"{_spread([r['p50x'] for r in rows])} | {_spread([r['p99x'] for r in rows])} | "
                      f"{_spread([r['rps'] for r in rows])} |")
        print("\nAims (ratio to /healthz in the same round):")
        for name, percentile, limit in AIMS:
            for concurrency in CONCURRENCIES:
                ratios = [r[percentile + "x"] for r in results[(concurrency, name)]]
                met = sum(ratio <= limit for ratio in ratios)
                print(f"  {name} {percentile} <= {limit}x at {concurrency} connection(s): met in {met} of {len(ratios)} "
                      f"rounds ({', '.join(f'{ratio:.2f}x' for ratio in ratios)})")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
