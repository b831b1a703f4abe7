"""Booking under contention: many customers race over a few slots through the HTTP API.

Each simulated customer (its own session and thread) asks POST /payments/create-order for a random
slot out of a small set, pays through the emulator's checkout, and calls POST /payments/verify,
exactly as the wizard does. A db_worker process delivers the emulator's webhooks meanwhile, so
verify and webhooks race too.

A share of the customers (BENCH_LATE_SHARE, default 0.25) pay late: their hold is made to run out
after create-order, and for half of them a rival customer then holds the same time before they pay,
so a late payment's confirmation races a new hold. Those late payments must confirm when the time
is still free and be refunded in full when it is not.

At the end the script checks, with SQL, that no two blocking bookings of an expert overlap and that
every captured payment has a kept booking or a refund.

    DATABASE_URL=postgresql://postgres@127.0.0.1/serene_bench_booking .venv/bin/python bench/booking.py
    BENCH_CUSTOMERS=200 BENCH_CONCURRENCY=32 ...
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
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
LATE_SHARE = float(os.environ.get("BENCH_LATE_SHARE", "0.25"))
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


def customer_run(port: int, customer: dict, rival: dict, experts: list[str], day: str, random_source: random.Random,
                 results: dict, lock: threading.Lock, key_id: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(method, path, body, step, who=customer):
        began = time.perf_counter()
        connection.request(method, path, body=json.dumps(body), headers=_headers(who))
        response = connection.getresponse()
        data = json.loads(response.read() or b"{}")
        elapsed = time.perf_counter() - began
        if step == "create-order":
            step = {200: "create-order hold", 409: "create-order 409"}.get(response.status, step)
        with lock:
            results["latency"].setdefault(step, []).append(elapsed)
        return response.status, data

    late = random_source.random() < LATE_SHARE
    with_rival = late and random_source.random() < 0.5
    for _ in range(3):  # a customer who loses a race tries another time, like a person would
        expert = random_source.choice(experts)
        duration = random_source.choice([30, 60])
        starts = datetime.fromisoformat(f"{day}T{random_source.choice(START_TIMES)}").replace(tzinfo=ZoneInfo("Asia/Kolkata"))
        request = {"currency": "INR", "duration": duration, "startsAt": starts.isoformat(), "notes": {"expertId": expert}}
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


def main() -> None:
    port = _free_port()
    env = _environment(port)
    print(f"database: {env['DATABASE_URL'].split('@')[-1]}; {CUSTOMERS} customers over {CONCURRENCY} threads racing for "
          f"{EXPERTS} experts x {len(START_TIMES)} start times (30 or 60 min); uvicorn 1 worker + 1 db_worker")
    _database_reset(env)
    customers, rivals, experts = seed(env)
    from django.conf import settings
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "uvicorn"), "serene.asgi:application", "--host", "127.0.0.1",
                               "--port", str(port), "--log-level", "warning", "--no-access-log"], cwd=ROOT, env=env)
    worker = subprocess.Popen([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "db_worker", "--interval", "0.2"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        day = next_weekday()
        results = {"latency": {}, "slot_taken": 0, "errors": [], "outcomes": {}, "rival holds": 0}
        lock = threading.Lock()
        queue = list(enumerate(customers))

        def runner():
            while True:
                with lock:
                    if not queue:
                        return
                    number, customer = queue.pop()
                customer_run(port, customer, rivals[number], experts, day, random.Random(number), results, lock, settings.RAZORPAY_KEY_ID)

        began = time.perf_counter()
        threads = [threading.Thread(target=runner) for _ in range(CONCURRENCY)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
        time.sleep(5)  # let the worker deliver the last webhooks
        figures = audit()
        booked = results["outcomes"].get("confirmed", 0)
        print(f"bookings confirmed: {booked} in {seconds:.1f} s = {booked / seconds:.1f} bookings/s; "
              f"slot_taken answers: {results['slot_taken']}; verify outcomes: {results['outcomes']}")
        holds = len(results["latency"].get("create-order hold", []))
        taken = len(results["latency"].get("create-order 409", []))
        print(f"create-order answers: {holds + taken} in {seconds:.1f} s = {(holds + taken) / seconds:.1f} per second: "
              f"{holds} holds ({holds / seconds:.1f}/s) and {taken} 409 slot_taken ({taken / seconds:.1f}/s)")
        print(f"late payments: {sum(v for k, v in results['outcomes'].items() if k.startswith('late'))}, "
              f"{results['rival holds']} of them raced by a rival's new hold; refunds at the gateway: {figures['refunds']}")
        for step, values in results["latency"].items():
            print(f"  {step:14s} n={len(values):4d}  p50 {statistics.median(values) * 1000:7.1f} ms  "
                  f"p99 {_percentile(values, .99) * 1000:7.1f} ms")
        print(f"double bookings found: {figures['overlaps']}")
        print(f"captured payments with neither booking nor refund: {figures['lost']}")
        print(f"confirmed bookings in the database: {figures['confirmed']}; webhook events handled: {figures['webhooks']}")
        print(f"errors: {len(results['errors'])}" + (f" (first: {results['errors'][0]})" if results["errors"] else ""))
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=10)
        worker.wait(timeout=10)


if __name__ == "__main__":
    main()
