"""Booking under contention: customers race over a few slots through the HTTP API, and the same
number book without competing, so the cost of contention is measured, not guessed.

Each simulated customer (its own session and thread) asks POST /payments/create-order for a slot,
pays through the emulator's checkout, and calls POST /payments/verify, exactly as the wizard does.
A db_worker process delivers the emulator's webhooks meanwhile, so verify and webhooks race too.

A suite runs these rounds, each on a fresh database, with fresh server processes:

- `N threads` (BENCH_BOOKING_THREADS, default 8,32): BENCH_CUSTOMERS customers (default 200) over N
  threads race for 4 experts x 4 start times (30 or 60 min, so times overlap); a customer who gets
  slot_taken tries another time, up to 3 times. A share of them (BENCH_LATE_SHARE, default 0.25) pay
  late: their hold is made to run out after create-order, and for half of them a rival customer then
  holds the same time before they pay. Late payments must confirm when the time is still free and be
  refunded in full when it is not.
- `64 racing` (BENCH_RACERS, default 64): that many customers at once, one thread each, for the same
  4 experts x 4 start times, no late payers.
- `64 uncontended`: as many customers at once, each on a slot of their own with an expert of their
  own: nobody wants the same time or locks the same row. The same work without competition.

The racing and uncontended rounds alternate (which comes first flips every suite), and the suite
repeats BENCH_ROUNDS times (default 3), so a slow spell of the machine does not land on one kind.
Each round prints create-order's p50 and p99 (every answer: holds and 409s; then each apart), the end
to end latency of create-order -> pay in the emulator's checkout -> verify -> confirmed for customers
who paid in time, overlaps of blocking bookings (checked with SQL in the database), 5xx answers,
captured payments without an end (after waiting up to a minute for the last refund webhooks), and on
PostgreSQL the peak of connections to the bench database and the web server's pool queueing (its
/metrics: checkouts that found no free connection, and the time they queued in all). After the
suites it prints the spread of each figure and, per suite, the contention cost = racing p99 /
uncontended p99 (create-order and end to end) against the aim: at most 2x, 0 overlaps, 0 5xx.

The Razorpay emulator runs as a second uvicorn process, standing in for the gateway outside Serene.

    DATABASE_URL=postgresql://postgres@127.0.0.1/serene_bench_booking .venv/bin/python bench/booking.py
    BENCH_CUSTOMERS=200 BENCH_BOOKING_THREADS=8,32 BENCH_RACERS=64 BENCH_ROUNDS=3 ...   (the defaults)
    BENCH_PORT=8630 ...   (serve on 8630 and the emulator on 8631; free ports otherwise)
    BENCH_BOOKING_THREADS= BENCH_ROUNDS=5 ...   (only the 64-customer pair, five times)
    BENCH_SHARED_EXPERTS=true ...   (also 64 customers on 64 different slots of the 4 raced experts: they
                                     compete for no time, only for the experts' rows; for finding where
                                     the racing round's time goes)

Figures from a shared or busy machine are not comparable with a quiet one's: the script prints the
load average at the start of every round.
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from availability import _database_reset, _free_port, _percentile, _wait_for  # noqa: E402

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "200"))
CONCURRENCIES = [int(value) for value in os.environ.get("BENCH_BOOKING_THREADS", "8,32").split(",") if value.strip()]
RACERS = int(os.environ.get("BENCH_RACERS", "64"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LATE_SHARE = float(os.environ.get("BENCH_LATE_SHARE", "0.25"))
SETTLE_SECONDS = 60
STOP_GRACE_SECONDS = 30  # a db_worker finishing its task may take a while; then it is killed
RACED_EXPERTS = 4
START_TIMES = ["10:00", "10:30", "11:00", "11:30"]
CONTENTION_AIM = 2.0
METRICS_TOKEN = "bench-" + secrets.token_hex(16)
SHARED_ROUND = os.environ.get("BENCH_SHARED_EXPERTS", "").lower() in {"1", "true", "yes"}
KOLKATA = ZoneInfo("Asia/Kolkata")


@dataclass(frozen=True)
class Plan:
    """One round: who books what, how many at once."""
    name: str
    kind: str  # "racing" or "uncontended"
    customers: int
    threads: int
    late_share: float
    experts: int

    def describe(self) -> str:
        if self.kind == "uncontended":
            return (f"{self.customers} customers at once, each on a slot of their own with an expert of their own "
                    "(nobody competes)")
        if self.kind == "shared":
            return (f"{self.customers} customers at once, each on a 30-min slot of their own, {self.customers // self.experts} "
                    f"slots of each of {self.experts} experts (no two want the same time; they queue for the "
                    "experts' rows)")
        late = f", {self.late_share:.0%} paying late" if self.late_share else ""
        return (f"{self.customers} customers over {self.threads} threads racing for {self.experts} experts x "
                f"{len(START_TIMES)} start times, 30 or 60 min; a loser tries another time, up to 3{late}")


def _environment(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/serene_bench_booking")
    base = f"http://127.0.0.1:{port}"
    env.update(DJANGO_SETTINGS_MODULE="serene.settings", DEBUG="false", SECRET_KEY="bench-only-secret-key-" + "x" * 30,
               ALLOWED_HOSTS="127.0.0.1", SERENE_VAR_DIR=str(ROOT / "var" / "bench"), LOG_LEVEL="WARNING",
               SITE_URL=base, PAYMENTS_SANDBOX="true", SESSION_COOKIE_SECURE="false", CSRF_COOKIE_SECURE="false",
               DATABASE_CONN_MAX_AGE="0", PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION="true", METRICS_TOKEN=METRICS_TOKEN)
    return env


def seed(env: dict[str, str], plan: Plan) -> tuple[list[dict], list[dict], list[str]]:
    """Experts and signed-in customers for one round: (customers, their rivals, expert slugs)."""
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
    for number in range(plan.experts):
        user = User.objects.create_user(email=f"expert{number}@bench.test", password=None, name=f"Expert {number}",
                                        role=Role.EXPERT)
        experts.append(Expert.objects.create(user=user, slug=f"expert-{number}", headline="Bench", bio="Bench",
                                             category=category, hourly_rate_minor=150000, minimum_notice_hours=0,
                                             offered_durations=[30, 60]).slug)
    customers = []
    rivals = plan.customers if plan.late_share else 0  # rivals of late payers
    for number in range(plan.customers + rivals):
        user = User.objects.create_user(email=f"customer{number}@bench.test", password=None, name=f"Customer {number}")
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        customers.append({"session": session.session_key, "csrf": secrets.token_hex(16)})
    return customers[:plan.customers], customers[plan.customers:], experts


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


Slot = tuple[str, int, str]  # expert slug, minutes, start time on the expert's clock


def racing_slots(experts: list[str], random_source: random.Random) -> Callable[[], Slot]:
    return lambda: (random_source.choice(experts), random_source.choice([30, 60]), random_source.choice(START_TIMES))


def customer_run(port: int, gateway_port: int, customer: dict, rival: dict | None, choose: Callable[[], Slot],
                 day: str, late_share: float, random_source: random.Random, results: dict, lock: threading.Lock,
                 key_id: str, start: threading.Barrier | None) -> None:
    serene = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    gateway = http.client.HTTPConnection("127.0.0.1", gateway_port, timeout=60)

    def call(method, path, body, step, who=customer):
        began = time.perf_counter()
        connection = gateway if path.startswith("/sandbox/") else serene
        for attempt in range(2):
            try:
                connection.request(method, path, body=json.dumps(body), headers=_headers(who))
                response = connection.getresponse()
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # The server closed this keep-alive connection while it was idle (the customer was
                # paying elsewhere): open a new one and send again, as a browser does.
                connection.close()
                if attempt:
                    raise
        data = json.loads(response.read() or b"{}")
        elapsed = time.perf_counter() - began
        with lock:
            if step == "create-order":
                results["latency"].setdefault("create-order", []).append(elapsed)
                step = {200: "create-order hold", 409: "create-order 409"}.get(response.status, "create-order other")
            results["latency"].setdefault(step, []).append(elapsed)
            if response.status >= 500:
                results["5xx"][response.status] = results["5xx"].get(response.status, 0) + 1
        return response.status, data

    late = random_source.random() < late_share
    with_rival = late and rival is not None and random_source.random() < 0.5
    if start is not None:
        start.wait()  # every customer of the round asks at the same moment
    for _ in range(3):  # a customer who loses a race tries another time, like a person would
        expert, duration, clock_time = choose()
        starts = datetime.fromisoformat(f"{day}T{clock_time}").replace(tzinfo=KOLKATA)
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
                rival_status, _ = call("POST", "/api/v1/payments/create-order", request, "rival create-order", who=rival)
                with lock:
                    results["rival holds"] += rival_status == 200
        status, paid = call("POST", "/sandbox/razorpay/checkout/pay", {
            "key": key_id, "order_id": order["orderId"], "method": "card", "card_number": "4111111111111111"}, "checkout pay")
        status, verified = call("POST", "/api/v1/payments/verify", paid, "verify")
        with lock:
            if status == 200 and not late and verified["status"] == "confirmed":
                # create -> pay -> verify -> confirmed, as a customer waits for it
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


def _stop(processes: dict[str, subprocess.Popen]) -> list[str]:
    """Stop the round's processes: ask (SIGTERM), wait STOP_GRACE_SECONDS, then kill. Never raises:
    a process slow to stop (a db_worker finishing a webhook delivery) must not end the benchmark."""
    notes = []
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for name, process in processes.items():
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            try:
                process.wait(timeout=10)
                notes.append(f"{name} did not stop within {STOP_GRACE_SECONDS} s and was killed")
            except subprocess.TimeoutExpired:
                notes.append(f"{name} (pid {process.pid}) did not stop even when killed")
    return notes


def pool_figures(port: int) -> dict[str, float] | None:
    """The web server's PostgreSQL pool counters from /metrics (None on SQLite, or if unreadable)."""
    names = {"serene_database_pool_checkouts": "checkouts", "serene_database_pool_checkouts_queued": "queued",
             "serene_database_pool_wait_milliseconds": "wait", "serene_database_pool_timeouts": "timeouts"}
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        text = connection.getresponse().read().decode()
    except OSError:
        return None
    figures = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in names:
            figures[names[name]] = float(value)
    return figures if len(figures) == len(names) else None


def _ms(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    return (statistics.median(values) if fraction == .5 else _percentile(values, fraction)) * 1000


def run_round(env: dict[str, str], port: int, plan: Plan) -> dict:
    """One round on a fresh database: seed, serve, race, audit. Prints its figures and returns them."""
    os.environ.update(env)
    import django
    django.setup()
    from django.db import connections
    connections.close_all()
    _database_reset(env)
    customers, rivals, experts = seed(env, plan)
    connections.close_all()
    from django.conf import settings
    # The Razorpay emulator runs in a process of its own, as the real gateway is outside Serene: served
    # by Serene's own process, its answers to Serene's calls would wait for the connections those calls
    # hold (every create-order waits on the gateway), and under 32 threads the pool ran dry.
    gateway_port = port + 1 if os.environ.get("BENCH_PORT") else _free_port()  # BENCH_PORT and the next one
    uvicorn = [str(ROOT / ".venv" / "bin" / "uvicorn"), "serene.asgi:application", "--host", "127.0.0.1",
               "--log-level", "warning", "--no-access-log", "--timeout-keep-alive", "120"]
    processes = {
        "the gateway emulator": subprocess.Popen([*uvicorn, "--port", str(gateway_port)], cwd=ROOT, env=env,
                                                 stderr=subprocess.DEVNULL),
        "the web server": subprocess.Popen(
            [*uvicorn, "--port", str(port)], cwd=ROOT, stderr=subprocess.DEVNULL,
            env={**env, "RAZORPAY_API_BASE": f"http://127.0.0.1:{gateway_port}/sandbox/razorpay"}),
        "the db_worker": subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "db_worker",
                                           "--interval", "0.2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL),
    }
    load = os.getloadavg()[0]
    try:
        _wait_for(port)
        _wait_for(gateway_port)
        day = next_weekday()
        results = {"latency": {}, "slot_taken": 0, "errors": [], "outcomes": {}, "rival holds": 0, "5xx": {}}
        sampler = ConnectionSampler(env)
        sampler.start()
        lock = threading.Lock()
        queue = list(enumerate(customers))
        start = threading.Barrier(plan.threads) if plan.threads == plan.customers else None

        def chooser(number: int, random_source: random.Random) -> Callable[[], Slot]:
            if plan.kind == "uncontended":
                return lambda: (experts[number], 60, "10:00")
            if plan.kind == "shared":  # 09:00, 09:30 ... 16:30: the default working day, back to back
                slot = number // plan.experts
                return lambda: (experts[number % plan.experts], 30, f"{9 + slot // 2:02d}:{30 * (slot % 2):02d}")
            return racing_slots(experts[:RACED_EXPERTS], random_source)

        def runner():
            while True:
                with lock:
                    if not queue:
                        return
                    number, customer = queue.pop()
                random_source = random.Random(number)
                customer_run(port, gateway_port, customer, rivals[number] if rivals else None,
                             chooser(number, random_source), day, plan.late_share, random_source, results, lock,
                             settings.RAZORPAY_KEY_ID, start)

        began = time.perf_counter()
        threads = [threading.Thread(target=runner) for _ in range(plan.threads)]
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
        pool = pool_figures(port)
    finally:
        stop_notes = _stop(processes)
    latency = results["latency"]
    holds, taken = latency.get("create-order hold", []), latency.get("create-order 409", [])
    late = {key: value for key, value in results["outcomes"].items() if key.startswith("late")}
    five_hundreds = sum(results["5xx"].values())
    print(f"  {plan.name}: {plan.describe()}; load {load:.1f} at the start")
    print(f"      {len(holds)} holds, {len(taken)} 409s in {seconds:.1f} s; verify outcomes {results['outcomes']}; "
          + (f"{results['rival holds']} rival holds; " if plan.late_share else "")
          + f"gateway refunds {figures['refunds']}; peak database connections {sampler.peak}")
    print(f"      overlaps {figures['overlaps']} (checked in the database); 5xx answers {results['5xx'] or 0}; "
          f"captured payments without an end {figures['lost']} after {settled:.0f} s; errors {len(results['errors'])}"
          + (f" (first: {results['errors'][0]})" if results["errors"] else ""))
    if pool:
        print(f"      web server's connection pool: {pool['checkouts']:.0f} checkouts, {pool['queued']:.0f} of them "
              f"queued for a connection, {pool['wait'] / 1000:.1f} s queued in all, {pool['timeouts']:.0f} timeouts")
    for note in stop_notes:
        print(f"      note: {note}")
    for step in ("create-order", "create-order hold", "create-order 409", "create-order other", "rival create-order",
                 "checkout pay", "verify", "end to end"):
        values = latency.get(step)
        if values:
            label = {"create-order": "create-order (all)", "end to end": "end to end"}.get(step, step)
            print(f"      {label:19s} n={len(values):4d}  p50 {_ms(values, .5):7.1f} ms  p99 {_ms(values, .99):7.1f} ms")
    return {"create_p50": _ms(latency.get("create-order", []), .5), "create_p99": _ms(latency.get("create-order", []), .99),
            "hold_p50": _ms(holds, .5), "conflict_p50": _ms(taken, .5),
            "verify_p50": _ms(latency.get("verify", []), .5),
            "e2e_p50": _ms(latency.get("end to end", []), .5), "e2e_p99": _ms(latency.get("end to end", []), .99),
            "e2e_count": len(latency.get("end to end", [])),
            "peak_connections": sampler.peak if sampler.peak is not None else 0,
            "http_5xx": five_hundreds, "late": sum(late.values()), "late_confirmed": late.get("late confirmed", 0),
            "late_refunded": late.get("late expired", 0), "overlaps": figures["overlaps"], "lost": figures["lost"],
            "errors": len(results["errors"])}


def _spread(values: list[float], unit: str = "") -> str:
    ordered = sorted(values)
    return f"{ordered[0]:.1f} / {statistics.median(ordered):.1f} / {ordered[-1]:.1f}{unit}"


def _contention_verdict(racing: dict, uncontended: dict) -> tuple[str, bool]:
    create = racing["create_p99"] / uncontended["create_p99"]
    end_to_end = racing["e2e_p99"] / uncontended["e2e_p99"]
    misses = []
    if not create <= CONTENTION_AIM:
        misses.append(f"create-order {create:.2f}x")
    if not end_to_end <= CONTENTION_AIM:
        misses.append(f"end to end {end_to_end:.2f}x")
    overlaps = racing["overlaps"] + uncontended["overlaps"]
    errors = racing["http_5xx"] + uncontended["http_5xx"]
    if overlaps:
        misses.append(f"{overlaps} overlaps")
    if errors:
        misses.append(f"{errors} 5xx")
    text = (f"contention cost (racing p99 / uncontended p99): create-order {create:.2f}x "
            f"({racing['create_p99']:.0f} / {uncontended['create_p99']:.0f} ms), end to end {end_to_end:.2f}x "
            f"({racing['e2e_p99']:.0f} / {uncontended['e2e_p99']:.0f} ms); overlaps {overlaps}; 5xx {errors}")
    return text + (" -> aim met" if not misses else f" -> aim NOT met ({', '.join(misses)})"), not misses


def main() -> None:
    port = int(os.environ.get("BENCH_PORT", "0")) or _free_port()
    env = _environment(port)
    racing = Plan(name=f"{RACERS} racing", kind="racing", customers=RACERS, threads=RACERS, late_share=0,
                  experts=RACED_EXPERTS)
    uncontended = Plan(name=f"{RACERS} uncontended", kind="uncontended", customers=RACERS, threads=RACERS,
                       late_share=0, experts=RACERS)
    shared = [Plan(name=f"{RACERS} on shared experts", kind="shared", customers=RACERS, threads=RACERS, late_share=0,
                   experts=RACED_EXPERTS)] if SHARED_ROUND else []
    threaded = [Plan(name=f"{threads} threads", kind="racing", customers=CUSTOMERS, threads=threads,
                     late_share=LATE_SHARE, experts=RACED_EXPERTS) for threads in CONCURRENCIES]
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}; uvicorn 1 worker + 1 db_worker, the Razorpay emulator in "
          f"a uvicorn of its own; each round on a fresh database; {ROUNDS} suites; {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f} at the start")
    print("rounds of a suite:")
    for plan in [*threaded, racing, uncontended, *shared]:
        print(f"  {plan.name}: {plan.describe()}")
    print(f"aim: contention cost = {racing.name} p99 / {uncontended.name} p99, for create-order (every answer) and "
          f"end to end (create-order -> pay -> verify -> confirmed), at most {CONTENTION_AIM:g}x; 0 overlaps; 0 5xx")
    runs: dict[str, list[dict]] = {plan.name: [] for plan in [*threaded, racing, uncontended, *shared]}
    verdicts = []
    for number in range(ROUNDS):
        print(f"suite {number + 1}")
        pair = [racing, uncontended] if number % 2 == 0 else [uncontended, racing]
        for plan in [*threaded, *pair, *shared]:
            runs[plan.name].append(run_round(env, port, plan))
        text, met = _contention_verdict(runs[racing.name][-1], runs[uncontended.name][-1])
        verdicts.append((text, met))
        print(f"  suite {number + 1} {text}")
    print("spread over the suites (min / median / max):")
    for name, results in runs.items():
        def spread(key, unit=" ms"):
            return _spread([run[key] for run in results], unit)
        print(f"  {name}: create-order p50 {spread('create_p50')}, p99 {spread('create_p99')}; "
              f"end to end p50 {spread('e2e_p50')}, p99 {spread('e2e_p99')} (n {spread('e2e_count', '')}); "
              f"verify p50 {spread('verify_p50')}")
        print(f"      overlaps {sum(run['overlaps'] for run in results)}; 5xx {sum(run['http_5xx'] for run in results)}; "
              f"captured payments without an end {sum(run['lost'] for run in results)}; "
              f"errors {sum(run['errors'] for run in results)}; peak database connections {spread('peak_connections', '')}"
              + (f"; late payments {sum(run['late'] for run in results)} (confirmed "
                 f"{sum(run['late_confirmed'] for run in results)}, refunded {sum(run['late_refunded'] for run in results)})"
                 if any(run["late"] for run in results) else ""))
    print(f"contention aim (<= {CONTENTION_AIM:g}x, 0 overlaps, 0 5xx): met in {sum(met for _, met in verdicts)} "
          f"of {len(verdicts)} suites")
    for number, (text, _) in enumerate(verdicts, start=1):
        print(f"  suite {number}: {text}")


if __name__ == "__main__":
    main()
