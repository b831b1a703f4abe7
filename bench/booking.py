"""Booking under contention: many customers race over a few slots through the HTTP API.

Each simulated customer (its own session and thread) asks POST /payments/create-order for a random
slot out of a small set, pays through the emulator's checkout, and calls POST /payments/verify,
exactly as the wizard does. A db_worker process delivers the emulator's webhooks meanwhile, so
verify and webhooks race too.

A share of the customers (BENCH_LATE_SHARE, default 0.25) pay late: their hold is made to run out
after create-order, and for half of them a rival customer then holds the same time before they pay,
so a late payment's confirmation races a new hold. Those late payments must confirm when the time
is still free and be refunded in full when it is not.

Reports holds per second (create-order answers that held a time; 409s are counted apart), the end
to end latency of create-order -> pay in the emulator's checkout -> verify for customers who pay in
time, 5xx answers by status, and on PostgreSQL the peak of connections to the bench database
(pg_stat_activity, sampled every 50 ms; the sampler itself connects to `postgres`, so only the
server, the worker and the script's own audit connection are counted).

At the end the script checks, with SQL, that no two blocking bookings of an expert overlap and that
every captured payment has a kept booking, a processed refund or a flag for staff, waiting up to a
minute for the last refund webhooks (it prints how long that took).

The Razorpay emulator runs as a second uvicorn process, standing in for the gateway outside Serene.

    DATABASE_URL=postgresql://postgres@127.0.0.1/serene_bench_booking .venv/bin/python bench/booking.py
    BENCH_CUSTOMERS=200 BENCH_BOOKING_THREADS=8,32 BENCH_ROUNDS=3 ...   (the defaults)
"""
from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from availability import _database_reset, _free_port, _percentile, _wait_for  # noqa: E402

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "200"))
CONCURRENCIES = [int(value) for value in os.environ.get("BENCH_BOOKING_THREADS", "8,32").split(",")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LATE_SHARE = float(os.environ.get("BENCH_LATE_SHARE", "0.25"))
SETTLE_SECONDS = 60
EXPERTS = 4
START_TIMES = ["10:00", "10:30", "11:00", "11:30"]


def _environment(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/serene_bench_booking")
    base = f"http://127.0.0.1:{port}"
    env.update(DJANGO_SETTINGS_MODULE="serene.settings", DEBUG="false", SECRET_KEY="bench-only-secret-key-" + "x" * 30,
               ALLOWED_HOSTS="127.0.0.1", SERENE_VAR_DIR=str(ROOT / "var" / "bench"), LOG_LEVEL="WARNING",
               SITE_URL=base, PAYMENTS_SANDBOX="true", SESSION_COOKIE_SECURE="false", CSRF_COOKIE_SECURE="false",
               DATABASE_CONN_MAX_AGE="0", PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION="true")
    return env


def seed(env: dict[str, str]) -> tuple[list[dict], list[str]]:
    os.environ.update(env)
    import django
    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from serene.accounts.models import Role, User
    from serene.experts.models import Category, Expert

    call_command("migrate", verbosity=0)
    category = Category.objects.create(slug="therapy", name="Therapy")
    experts = []
    for number in range(EXPERTS):
        user = User.objects.create_user(email=f"expert{number}@bench.test", password=None, name=f"Expert {number}",
                                        role=Role.EXPERT)
        experts.append(Expert.objects.create(user=user, slug=f"expert-{number}", headline="Bench", bio="Bench",
                                             category=category, hourly_rate_minor=150000, minimum_notice_hours=0,
                                             offered_durations=[30, 60]).slug)
    customers = []
    for number in range(CUSTOMERS * 2):  # the second half are rivals of late payers
        user = User.objects.create_user(email=f"customer{number}@bench.test", password=None, name=f"Customer {number}")
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        customers.append({"session": session.session_key, "csrf": secrets.token_hex(16)})
    return customers[:CUSTOMERS], customers[CUSTOMERS:], experts


def next_weekday() -> str:
    day = datetime.now(ZoneInfo("Asia/Kolkata")).date() + timedelta(days=7)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day.isoformat()


def _headers(customer: dict) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-CSRFToken": customer["csrf"],
            "Cookie": f"sessionid={customer['session']}; csrftoken={customer['csrf']}"}


def _expire_hold(session_id: str) -> None:
    """As if the customer paid after their hold ran out (the bench shares the server's database)."""
    from django.db import connection, connections
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE bookings_booking SET hold_expires_at = %s WHERE public_id = %s",
                           [datetime.now(ZoneInfo("UTC")) - timedelta(seconds=1), session_id.replace("-", "")
                            if connection.vendor == "sqlite" else session_id])
    finally:
        connections.close_all()


class ConnectionSampler(threading.Thread):
    """PostgreSQL: the most connections to the bench's database seen in pg_stat_activity, sampled
    every 50 ms while the round runs (None on SQLite)."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url, self.peak, self._done = env["DATABASE_URL"], None, threading.Event()

    def run(self) -> None:
        if not self.url.startswith("postgres"):
            return
        import dj_database_url
        import psycopg
        config = dj_database_url.parse(self.url)
        with psycopg.connect(host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], dbname="postgres",
                             autocommit=True) as connection:
            self.peak = 0
            while not self._done.wait(0.05):
                count = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                           [config["NAME"]]).fetchone()[0]
                self.peak = max(self.peak, count)

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)


def customer_run(port: int, gateway_port: int, customer: dict, rival: dict, experts: list[str], day: str,
                 random_source: random.Random, results: dict, lock: threading.Lock, key_id: str) -> None:
    serene = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    gateway = http.client.HTTPConnection("127.0.0.1", gateway_port, timeout=60)

    def call(method, path, body, step, who=customer):
        began = time.perf_counter()
        connection = gateway if path.startswith("/sandbox/") else serene
        connection.request(method, path, body=json.dumps(body), headers=_headers(who))
        response = connection.getresponse()
        data = json.loads(response.read() or b"{}")
        elapsed = time.perf_counter() - began
        if step == "create-order":
            step = {200: "create-order hold", 409: "create-order 409"}.get(response.status, step)
        with lock:
            results["latency"].setdefault(step, []).append(elapsed)
            if response.status >= 500:
                results["5xx"][response.status] = results["5xx"].get(response.status, 0) + 1
        return response.status, data

    late = random_source.random() < LATE_SHARE
    with_rival = late and random_source.random() < 0.5
    for _ in range(3):  # a customer who loses a race tries another time, like a person would
        expert = random_source.choice(experts)
        duration = random_source.choice([30, 60])
        starts = datetime.fromisoformat(f"{day}T{random_source.choice(START_TIMES)}").replace(tzinfo=ZoneInfo("Asia/Kolkata"))
        request = {"currency": "INR", "duration": duration, "startsAt": starts.isoformat(), "notes": {"expertId": expert}}
        flow_began = time.perf_counter()
        status, order = call("POST", "/api/v1/payments/create-order", request, "create-order")
        if status == 409:
            with lock:
                results["slot_taken"] += 1
            continue
        if status != 200:
            with lock:
                results["errors"].append(f"create-order {status} {order}")
            return
        if late:
            _expire_hold(order["sessionId"])
            if with_rival:  # someone else takes the time before the late payment arrives
                rival_status, _ = call("POST", "/api/v1/payments/create-order", request, "create-order", who=rival)
                with lock:
                    results["rival holds"] += rival_status == 200
        status, paid = call("POST", "/sandbox/razorpay/checkout/pay", {
            "key": key_id, "order_id": order["orderId"], "method": "card", "card_number": "4111111111111111"}, "checkout pay")
        status, verified = call("POST", "/api/v1/payments/verify", paid, "verify")
        with lock:
            if status == 200 and not late:  # create -> pay -> verify, as a customer waits for it
                results["latency"].setdefault("end to end", []).append(time.perf_counter() - flow_began)
            if status == 200:
                outcome = ("late " if late else "") + verified["status"]
                results["outcomes"][outcome] = results["outcomes"].get(outcome, 0) + 1
            else:
                results["errors"].append(f"verify {status} {verified}")
        return


def audit() -> dict[str, int]:
    from django.db import connection

    from serene.bookings.selectors import blocking_overlap_pairs
    overlaps = blocking_overlap_pairs()
    with connection.cursor() as cursor:
        # A captured payment's end: the booking it paid for is kept, a refund of it is processed, or
        # it is flagged for staff. (A stray capture's row never keeps a booking.)
        cursor.execute("""
            SELECT count(*) FROM sandbox_sandboxpayment sp
              LEFT JOIN payments_payment p ON p.gateway_payment_id = sp.id
              LEFT JOIN bookings_booking b ON b.id = p.booking_id
             WHERE sp.captured
               AND NOT COALESCE((p.stray_of_id IS NULL
                                 AND b.status IN ('confirmed', 'awaiting_approval', 'completed', 'no-show'))
                                OR p.needs_attention
                                OR EXISTS (SELECT 1 FROM payments_refund r
                                            WHERE r.payment_id = p.id AND r.status = 'processed'), false)""")
        lost = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM sandbox_sandboxrefund")
        refunds = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM bookings_booking WHERE status = 'confirmed'")
        confirmed = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM payments_webhookevent WHERE handled_at IS NOT NULL")
        webhooks = cursor.fetchone()[0]
    return {"confirmed": confirmed, "overlaps": overlaps, "lost": lost, "webhooks": webhooks, "refunds": refunds}


def run_round(env: dict[str, str], port: int, concurrency: int) -> dict:
    """One round on a fresh database: seed, serve, race, audit. Prints its figures and returns them."""
    os.environ.update(env)
    import django
    django.setup()
    from django.db import connections
    connections.close_all()
    _database_reset(env)
    customers, rivals, experts = seed(env)
    connections.close_all()
    from django.conf import settings
    # The Razorpay emulator runs in a process of its own, as the real gateway is outside Serene: served
    # by Serene's own process, its answers to Serene's calls would wait for the connections those calls
    # hold (every create-order waits on the gateway), and under 32 threads the pool ran dry.
    gateway_port = _free_port()
    uvicorn = [str(ROOT / ".venv" / "bin" / "uvicorn"), "serene.asgi:application", "--host", "127.0.0.1",
               "--log-level", "warning", "--no-access-log"]
    gateway_server = subprocess.Popen([*uvicorn, "--port", str(gateway_port)], cwd=ROOT, env=env,
                                      stderr=subprocess.DEVNULL)
    server = subprocess.Popen([*uvicorn, "--port", str(port)], cwd=ROOT, stderr=subprocess.DEVNULL,
                              env={**env, "RAZORPAY_API_BASE": f"http://127.0.0.1:{gateway_port}/sandbox/razorpay"})
    worker = subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "db_worker", "--interval", "0.2"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        _wait_for(gateway_port)
        day = next_weekday()
        results = {"latency": {}, "slot_taken": 0, "errors": [], "outcomes": {}, "rival holds": 0, "5xx": {}}
        sampler = ConnectionSampler(env)
        sampler.start()
        lock = threading.Lock()
        queue = list(enumerate(customers))

        def runner():
            while True:
                with lock:
                    if not queue:
                        return
                    number, customer = queue.pop()
                customer_run(port, gateway_port, customer, rivals[number], experts, day, random.Random(number), results,
                             lock, settings.RAZORPAY_KEY_ID)

        began = time.perf_counter()
        threads = [threading.Thread(target=runner) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
        # Let the worker deliver the last webhooks: a refund started during the race is "processed" only
        # when the gateway's refund webhook arrives, so wait (up to SETTLE_SECONDS) until every captured
        # payment has its end, and report how long that took.
        settle_began = time.perf_counter()
        time.sleep(2)
        figures = audit()
        while figures["lost"] and time.perf_counter() - settle_began < SETTLE_SECONDS:
            time.sleep(1)
            figures = audit()
        settled = time.perf_counter() - settle_began
        sampler.stop()
    finally:
        for process in (server, gateway_server, worker):
            process.terminate()
        for process in (server, gateway_server, worker):
            process.wait(timeout=10)
    holds = results["latency"].get("create-order hold", [])
    taken = results["latency"].get("create-order 409", [])
    late = {key: value for key, value in results["outcomes"].items() if key.startswith("late")}
    print(f"  {concurrency:2d} threads: {len(holds)} holds ({len(holds) / seconds:.1f}/s), {len(taken)} 409s "
          f"({len(taken) / seconds:.1f}/s) in {seconds:.1f} s; verify outcomes {results['outcomes']}; "
          f"{results['rival holds']} rival holds; gateway refunds {figures['refunds']}; "
          f"overlaps {figures['overlaps']}; captured without an end {figures['lost']} after {settled:.0f} s; "
          f"errors {len(results['errors'])}"
          + (f" (first: {results['errors'][0]})" if results["errors"] else "")
          + f"; 5xx answers {results['5xx'] or 'none'}; peak database connections {sampler.peak}")
    for step, values in results["latency"].items():
        print(f"      {step:17s} n={len(values):4d}  p50 {statistics.median(values) * 1000:7.1f} ms  "
              f"p99 {_percentile(values, .99) * 1000:7.1f} ms")
    return {"holds_per_second": len(holds) / seconds, "conflicts_per_second": len(taken) / seconds,
            "hold_p50": statistics.median(holds) * 1000 if holds else 0,
            "conflict_p50": statistics.median(taken) * 1000 if taken else 0,
            "verify_p50": statistics.median(results["latency"].get("verify", [0])) * 1000,
            "e2e_p50": statistics.median(results["latency"].get("end to end", [0])) * 1000,
            "e2e_p99": _percentile(results["latency"].get("end to end", [0]), .99) * 1000,
            "peak_connections": sampler.peak if sampler.peak is not None else 0,
            "http_500": results["5xx"].get(500, 0), "http_503": results["5xx"].get(503, 0),
            "late": sum(late.values()), "late_confirmed": late.get("late confirmed", 0),
            "late_refunded": late.get("late expired", 0), "overlaps": figures["overlaps"], "lost": figures["lost"],
            "errors": len(results["errors"])}


def main() -> None:
    port = int(os.environ.get("BENCH_PORT", "0")) or _free_port()
    env = _environment(port)
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}; {CUSTOMERS} customers (a share {LATE_SHARE:.0%} paying late) "
          f"racing for {EXPERTS} experts x {len(START_TIMES)} start times (30 or 60 min); uvicorn 1 worker + 1 db_worker, "
          f"the Razorpay emulator in a uvicorn of its own; "
          f"{ROUNDS} rounds alternating {', '.join(str(c) for c in CONCURRENCIES)} threads, each on a fresh database")
    rounds: dict[int, list[dict]] = {concurrency: [] for concurrency in CONCURRENCIES}
    for number in range(ROUNDS):
        print(f"round {number + 1}")
        for concurrency in CONCURRENCIES:
            rounds[concurrency].append(run_round(env, port, concurrency))
    print("spread over the rounds (min / median / max):")
    for concurrency, runs in rounds.items():
        def spread(key, unit=""):
            values = sorted(run[key] for run in runs)
            return f"{values[0]:.1f} / {statistics.median(values):.1f} / {values[-1]:.1f}{unit}"
        print(f"  {concurrency:2d} threads: holds/s {spread('holds_per_second')}; 409s/s {spread('conflicts_per_second')}; "
              f"hold p50 {spread('hold_p50', ' ms')}; 409 p50 {spread('conflict_p50', ' ms')}; "
              f"verify p50 {spread('verify_p50', ' ms')}")
        print(f"      end to end (create -> pay -> verify, on-time payers) p50 {spread('e2e_p50', ' ms')}, "
              f"p99 {spread('e2e_p99', ' ms')}; peak database connections {spread('peak_connections')}; "
              f"500s {sum(run['http_500'] for run in runs)}, 503s {sum(run['http_503'] for run in runs)}")
        print(f"      late payments {sum(run['late'] for run in runs)} (confirmed {sum(run['late_confirmed'] for run in runs)}, "
              f"refunded {sum(run['late_refunded'] for run in runs)}); double bookings {sum(run['overlaps'] for run in runs)}; "
              f"captured payments without an end {sum(run['lost'] for run in runs)}; errors {sum(run['errors'] for run in runs)}")


if __name__ == "__main__":
    main()
