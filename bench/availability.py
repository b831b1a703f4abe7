"""Availability API under load: latency and throughput against a real uvicorn server.

Seeds 200 experts, one of them with 1,000 confirmed bookings over the next 90 days, starts uvicorn
on 127.0.0.1, and calls GET /experts/{id}/availability and /available-dates a few thousand times
each (plus /healthz, a trivial JSON endpoint of the same server, as the baseline). Prints p50, p95,
p99 and requests per second for each, and the SQL queries per request for an expert with no
bookings and for the one with 1,000.

    .venv/bin/python bench/availability.py                   # SQLite file under var/bench/
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/availability.py
    BENCH_REQUESTS=3000 BENCH_CONCURRENCY=8 .venv/bin/python bench/availability.py
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
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
        start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        rows, day, slot = [], 0, 0
        while len(rows) < BOOKINGS:  # 12 half-hour bookings a day, every other half hour, for ~84 days
            starts_at = start + timedelta(days=day, hours=slot)
            rows.append(Booking(customer=customer, expert=busy, starts_at=starts_at,
                                ends_at=starts_at + timedelta(minutes=30), blocked_until=starts_at + timedelta(minutes=30),
                                duration_minutes=30, price_minor=75000, status=BookingStatus.CONFIRMED))
            slot += 1
            if slot == 12:
                slot, day = 0, day + 1
        Booking.objects.bulk_create(rows)
    return busy.slug, experts[1].slug


def queries_per_request(busy: str, idle: str) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    client = Client(HTTP_HOST="127.0.0.1")
    day = (datetime.now(timezone.utc) + timedelta(days=10)).date()
    counts = {}
    for name, slug in (("no bookings", idle), ("1,000 bookings", busy)):
        for endpoint, path in (("availability", f"/api/v1/experts/{slug}/availability?date={day}&duration=30"),
                               ("available-dates", f"/api/v1/experts/{slug}/available-dates?month={day.month}&year={day.year}")):
            with CaptureQueriesContext(connection) as context:
                assert client.get(path).status_code == 200
            counts[f"{endpoint}, expert with {name}"] = len(context)
    return counts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def load(port: int, paths: list[str]) -> tuple[list[float], float, int]:
    """Send every path once over CONCURRENCY keep-alive connections; return latencies, seconds, errors."""
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

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - began, errors


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    env = _environment()
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}; {EXPERTS} experts, {BOOKINGS} bookings for one; "
          f"{REQUESTS} requests per endpoint over {CONCURRENCY} connections; uvicorn, 1 worker")
    _database_reset(env)
    busy, idle = seed(env)
    for name, count in queries_per_request(busy, idle).items():
        print(f"SQL queries per request, {name}: {count}")

    port = _free_port()
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "uvicorn"), "serene.asgi:application", "--host", "127.0.0.1",
                               "--port", str(port), "--log-level", "warning", "--no-access-log"], cwd=ROOT, env=env)
    try:
        _wait_for(port)
        random_source = random.Random(7)
        today = datetime.now(timezone.utc).date()
        days = [today + timedelta(days=offset) for offset in range(1, 90)]
        months = sorted({(day.year, day.month) for day in days})
        suites = {
            "GET /healthz (baseline)": ["/healthz"] * REQUESTS,
            "GET /experts/{id}/availability": [
                f"/api/v1/experts/{busy}/availability?date={random_source.choice(days)}&duration={random_source.choice([30, 60])}"
                for _ in range(REQUESTS)],
            "GET /experts/{id}/available-dates": [
                "/api/v1/experts/{}/available-dates?month={}&year={}".format(busy, *reversed(random_source.choice(months)))
                for _ in range(REQUESTS)],
        }
        load(port, ["/healthz"] * 200)  # warm up
        baseline_p50 = None
        for name, paths in suites.items():
            latencies, seconds, errors = load(port, paths)
            p50 = statistics.median(latencies) * 1000
            baseline_p50 = baseline_p50 or p50
            print(f"{name:38s} p50 {p50:6.1f} ms  p95 {_percentile(latencies, .95) * 1000:6.1f} ms  "
                  f"p99 {_percentile(latencies, .99) * 1000:6.1f} ms  {len(latencies) / seconds:7.1f} req/s  "
                  f"errors {errors}  ({p50 / baseline_p50:.1f}x baseline p50)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
