"""Real processes for the browser tests of the call: Procfile.dev's uvicorn serving serene.asgi on the
test database (as `make run` does), Redis for the shared channel layer, and coturn for relayed media."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import unavailable
from tests.servers import wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(8200, 8300)  # the room tests' web servers
TURN_PORT_CANDIDATES = (34780, 34790, 34800)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def free_port(candidates) -> int:
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"No free port in {candidates}")


def database_url_for_server(tmp_path: Path) -> str:
    """A URL the server process can open on the data this test wrote (committed: transaction=True).

    PostgreSQL: the test database itself. SQLite: the test database lives in this process's memory,
    so it is copied to a file for the server."""
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        user = database.get("USER") or ""
        password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
        host = database.get("HOST") or "127.0.0.1"
        port = database.get("PORT") or 5432
        return f"postgresql://{user}{password}@{host}:{port}/{database['NAME']}"
    connection.ensure_connection()
    path = tmp_path / "room-server.sqlite3"
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


@contextmanager
def machine_clock():
    """The machine's own clock for a test that talks to these servers, which read it, also under
    `pytest --clock` (tests/clock.py moves this process's clock only). Browser tests have it anyway."""
    import time_machine
    if not time_machine.escape_hatch.is_travelling():
        yield
        return
    with time_machine.travel(time_machine.escape_hatch.time.time(), tick=True):
        yield


def _server_env(database_url: str, extra: dict) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "SITE_URL", "DEBUG", "ICE_SERVERS", "TURN_SECRET", "TURN_URLS",
                          "ICE_TRANSPORT_POLICY", "VIDEO_PROVIDER"}}
    env.update({"DJANGO_SETTINGS_MODULE": "serene.settings_test", "DATABASE_URL": database_url,
                "PYTHONUNBUFFERED": "1", "ICE_SERVERS": "[]", **extra})
    return env


@contextmanager
def uvicorn_server(tmp_path: Path, database_url: str, *, name: str = "web", **extra_env):
    """The web process of Procfile.dev, as `make run` starts it: uvicorn serving serene.asgi:application
    (HTTP and websockets in one process)."""
    from tests.procfile import start_process
    port = free_port(PORTS)
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / f"{name}.log"
    env = _server_env(database_url, {"SITE_URL": base, "HOST": "127.0.0.1", "PORT": str(port),
                                     **{key: str(value) for key, value in extra_env.items()}})
    process = start_process("web", env, log_path, procfile="Procfile.dev")
    try:
        wait_until_serving(base, process, seconds=60, what="uvicorn", log=log_path)
        yield base
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def redis_or_unavailable() -> str:
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        unavailable(f"Redis is not reachable at {REDIS_URL} ({error}): the two-process call test needs it")
    return REDIS_URL


@contextmanager
def coturn(tmp_path: Path, *, secret: str):
    """coturn on 127.0.0.1 with time-limited REST credentials (use-auth-secret), relaying on loopback."""
    binary = shutil.which("turnserver") or ("/usr/bin/turnserver" if os.path.exists("/usr/bin/turnserver") else None)
    if binary is None:
        unavailable("coturn is not installed (apt-get install -y coturn): the relayed call test needs it")
    port = free_port(TURN_PORT_CANDIDATES)
    log_path = tmp_path / "coturn.log"
    log = open(log_path, "w")
    process = subprocess.Popen([
        binary, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={port}",
        f"--min-port={port + 2}", f"--max-port={port + 9}", "--no-rfc5780", "--no-tls", "--no-dtls", "--no-cli",
        "--use-auth-secret", f"--static-auth-secret={secret}", "--realm=serene.test", "--fingerprint",
        "--allow-loopback-peers", "--no-multicast-peers", f"--pidfile={tmp_path / 'coturn.pid'}",
        f"--userdb={tmp_path / 'turndb'}", "--log-file=stdout", "--simple-log", "--verbose",
    ], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"coturn stopped: {log_path.read_text()[-3000:]}")
            if "Total UDP servers" in log_path.read_text() or _udp_listening(port):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"coturn did not start in 20 s: {log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield {"port": port, "url": f"turn:127.0.0.1:{port}?transport=udp", "log": log_path}
    finally:
        _stop(process)
        log.close()


def _udp_listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False
