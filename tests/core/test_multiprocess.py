"""Two web processes (the Procfile's granian) and two task workers on one PostgreSQL database, as the Procfile starts them.

Customers racing for the same times through both web processes leave no overlapping bookings
(checked in SQL), and every queued task runs exactly once although two workers poll the queue.
The peak number of database connections is printed: each process's pool bounds it.
"""
from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.servers import wait_until_serving

from .multiprocess_tasks import RUNS_TABLE, record_run

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
POOL_MAX = 4
CUSTOMERS = 24
TASKS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): command.strip() for name, _, command in (line.partition(":") for line in lines if line.strip())}


def _database_url() -> str:
    db = connection.settings_dict  # the test database, shared with the processes below
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _env(site_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DEBUG": "false", "SECRET_KEY": settings.SECRET_KEY, "DATABASE_URL": _database_url(),
                "DATABASE_POOL_MIN": "1", "DATABASE_POOL_MAX": str(POOL_MAX), "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SITE_URL": site_url, "PAYMENTS_SANDBOX": "true", "PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION": "true",
                "RAZORPAY_SANDBOX_WEBHOOKS_SEND": "false", "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false", "PYTHONUNBUFFERED": "1", "WEB_CONCURRENCY": "1", "HOST": "127.0.0.1",
                # The web process serves HTTP only (websockets are the ws process's): it needs the shared layer.
                "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7"),
                "CHANNEL_LAYER_PREFIX": "serene-test-multiprocess"})
    return env


def _start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    # The Procfile's ${NAME:-default}, as the shell would expand it.
    command = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m.group(1), m.group(2)), command)
    argv = command.split()
    argv[0] = str(ROOT / argv[0])
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    wait_until_serving(url, process, seconds=180, log=log, request_timeout=30)


def _connections_now() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def runs_table():
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {RUNS_TABLE} (n integer NOT NULL, pid integer NOT NULL)")  # no unique: duplicates show
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RUNS_TABLE}")


def test_two_web_processes_and_two_workers_share_one_database(tmp_path, runs_table):
    procfile = _procfile()
    ports = [_free_port(), _free_port()]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    expert = ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)
    customers = [UserFactory() for _ in range(CUSTOMERS)]
    cookies = []
    for customer in customers:  # sessions live in the shared database, so either process knows them
        client = Client()
        client.force_login(customer)
        token = secrets.token_hex(16)
        cookies.append({"sessionid": client.cookies["sessionid"].value, "csrftoken": token})

    processes: list[subprocess.Popen] = []
    peak = [0]
    stop = threading.Event()
    try:
        for index in range(len(urls)):
            env = {**_env(urls[0]), "PORT": str(ports[index])}
            processes.append(_start(procfile["web"], env, tmp_path / f"web{index}.log"))
        for index in range(2):
            processes.append(_start(procfile["worker"], _env(urls[0]), tmp_path / f"worker{index}.log"))
        for index, url in enumerate(urls):
            _wait_until_up(url, processes[index], tmp_path / f"web{index}.log")

        def watch():
            while not stop.is_set():
                peak[0] = max(peak[0], _connections_now())
                time.sleep(0.05)
            connection.close()
        watcher = threading.Thread(target=watch)
        watcher.start()

        # Customers race for overlapping times of one expert; each goes to one process, alternately.
        day = next_weekday()
        starts = [at(day, 10), at(day, 10, 30), at(day, 11), at(day, 10, 15)]

        def hold(index: int) -> int:
            start = starts[index % len(starts)]
            response = requests.post(
                f"{urls[index % 2]}/api/v1/payments/create-order", timeout=120, cookies=cookies[index],
                headers={"X-CSRFToken": cookies[index]["csrftoken"]},
                json={"currency": "INR", "duration": 60, "startsAt": start.isoformat(), "notes": {"expertId": "sarah"}})
            assert response.status_code in (200, 409), (response.status_code, response.text[:500])
            assert response.headers.get("Server", "") == ""  # no server software named
            return response.status_code

        with ThreadPoolExecutor(max_workers=CUSTOMERS) as pool:
            statuses = list(pool.map(hold, range(CUSTOMERS)))

        # Every task runs once, with two workers polling the same queue.
        from django_tasks_db import DatabaseBackend
        backend = DatabaseBackend("default", {})
        for n in range(TASKS):
            backend.enqueue(record_run, (n,), {})
        deadline = time.monotonic() + 180
        while True:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*), count(DISTINCT n), count(DISTINCT pid) FROM {RUNS_TABLE}")
                runs, distinct, pids = cursor.fetchone()
            if runs >= TASKS or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        time.sleep(2)  # a duplicate run, if any, would land now
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*), count(DISTINCT n), count(DISTINCT pid) FROM {RUNS_TABLE}")
            runs, distinct, pids = cursor.fetchone()
    finally:
        stop.set()
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    held = statuses.count(200)
    assert held >= 1 and statuses.count(409) >= 1, statuses  # a real race: some won, some lost
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
              ON a.expert_id = b.expert_id AND a.id < b.id
             AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
             WHERE a.status IN ('pending', 'awaiting_approval', 'confirmed')
               AND b.status IN ('pending', 'awaiting_approval', 'confirmed')""")
        overlapping = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM bookings_booking WHERE expert_id = %s", [expert.pk])
        bookings = cursor.fetchone()[0]
    assert overlapping == 0
    assert bookings == held
    assert (runs, distinct) == (TASKS, TASKS), f"{runs} runs of {distinct} distinct tasks, expected {TASKS} each"
    # 2 web + 2 workers with pools of POOL_MAX, plus this test's own connections.
    print(f"\n{CUSTOMERS} customers over 2 web processes: {held} held, {statuses.count(409)} refused, 0 overlapping; "
          f"{TASKS} tasks ran once each on {pids} worker process(es); peak connections {peak[0]} "
          f"(pools allow {4 * POOL_MAX} to the four processes)")
    assert peak[0] <= 4 * POOL_MAX + settings.DATABASE_POOL_MAX
