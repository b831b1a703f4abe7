"""The Procfile's web process (granian's WSGI interface on serene.wsgi) and ws process (uvicorn on
serene.asgi_websockets) behave as the single uvicorn process did: start-up (and its refusal without
Redis), a SIGTERM that lets a request in flight finish, /readyz, metrics summed over several workers,
the PostgreSQL pool shared by the request threads, the frozen collector, the security headers, and
the client's address taken from a trusted proxy only."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone

from serene.core.serving import behind_proxy, without_server_software
from tests.procfile import ROOT, free_port, procfile_commands, server_env, start_process, stop_process
from tests.servers import wait_until_serving

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
SECRET = "serving-tests-secret-key-" + "x" * 40


def production_env(tmp_path, **values: str) -> dict[str, str]:
    """Production settings (DEBUG off) on a scratch SQLite file unless DATABASE_URL is given."""
    return server_env(**{"DEBUG": "false", "SECRET_KEY": SECRET, "SERENE_VAR_DIR": str(tmp_path),
                         "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": f"sqlite:///{tmp_path / 'serving.sqlite3'}",
                         "REDIS_URL": REDIS_URL, "CHANNEL_LAYER_PREFIX": "serene-test-serving", "WEB_CONCURRENCY": "1",
                         "LOG_LEVEL": "WARNING", **values})


def _wait_for_exit(process: subprocess.Popen, seconds: float) -> int | None:
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return None


# --- Start-up ------------------------------------------------------------------------------------

def test_the_procfile_serves_http_through_granian_wsgi_and_websockets_apart():
    commands = procfile_commands()
    assert "granian --interface wsgi" in commands["web"] and commands["web"].endswith("serene.wsgi:application")
    assert "serene.asgi_websockets:application" in commands["ws"] and "${WS_PORT" in commands["ws"]
    # make run keeps one ASGI process for HTTP and websockets on one address.
    assert "serene.asgi:application" in procfile_commands("Procfile.dev")["web"]
    assert "-f Procfile.dev" in (ROOT / "Makefile").read_text()


@pytest.mark.parametrize("process", ["web", "ws"])
def test_split_serving_refuses_to_start_without_redis(tmp_path, process):
    env = production_env(tmp_path, PORT=str(free_port()), WS_PORT=str(free_port()))
    del env["REDIS_URL"]
    log = tmp_path / f"{process}.log"
    server = start_process(process, env, log)
    try:
        code = _wait_for_exit(server, 120)
    finally:
        stop_process(server)
    output = log.read_text()
    assert code is not None and code != 0, output[-2000:]
    assert "Serene will not start: REDIS_URL is not set" in output, output[-2000:]
    assert "serve both\nfrom one ASGI process with `make run`" in output


def test_web_and_ws_start_with_redis_and_name_no_server_software(tmp_path):
    ports = {"web": free_port(), "ws": free_port()}
    env = production_env(tmp_path, PORT=str(ports["web"]), WS_PORT=str(ports["ws"]))
    servers = {name: start_process(name, env, tmp_path / f"{name}.log") for name in ports}
    try:
        for name, port in ports.items():
            response = wait_until_serving(f"http://127.0.0.1:{port}", servers[name], seconds=120, what=name,
                                          log=tmp_path / f"{name}.log", request_timeout=30)
            assert response.headers.get("Server", "") == "", (name, response.headers)
            assert "Permissions-Policy" in response.headers and "Content-Security-Policy" in response.headers
            assert response.headers["X-Frame-Options"] == "DENY" and response.headers["X-Content-Type-Options"] == "nosniff"
            # Over HTTPS (the proxy says so), HSTS too.
            secure = requests.get(f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=30)
            assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000"), (name, secure.headers)
    finally:
        for server in servers.values():
            stop_process(server)


# --- Graceful shutdown -----------------------------------------------------------------------------

def test_sigterm_lets_a_request_in_flight_finish(tmp_path):
    port = free_port()
    env = production_env(tmp_path, PORT=str(port), DJANGO_SETTINGS_MODULE="tests.core.slow_settings")
    log = tmp_path / "web.log"
    server = start_process("web", env, log)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", server, seconds=120, what="web", log=log, request_timeout=30)
        answer: dict = {}

        def slow_request():
            try:
                response = requests.get(f"http://127.0.0.1:{port}/test/slow?seconds=4", timeout=60)
                answer.update(status=response.status_code, body=response.text)
            except requests.RequestException as error:
                answer.update(error=repr(error))

        thread = threading.Thread(target=slow_request)
        thread.start()
        time.sleep(1.5)  # the request is in the view, sleeping
        server.terminate()  # SIGTERM to the server, as honcho or systemd sends it
        thread.join(timeout=60)
        code = _wait_for_exit(server, 60)
    finally:
        stop_process(server)
    assert answer == {"status": 200, "body": "finished"}, (answer, log.read_text()[-2000:])
    assert code == 0, log.read_text()[-2000:]


# --- /readyz and metrics ---------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_readyz_and_metrics_answer_under_the_web_process(tmp_path):
    from serene.core.models import WorkerHeartbeat
    from tests.video.live import database_url_for_server
    WorkerHeartbeat.objects.create(name="worker", seen_at=timezone.now() - timedelta(seconds=5), host="test")
    port = free_port()
    env = production_env(tmp_path, PORT=str(port), DATABASE_URL=database_url_for_server(tmp_path),
                         METRICS_TOKEN="serving-metrics-token")
    log = tmp_path / "web.log"
    server = start_process("web", env, log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base, server, seconds=120, what="web", log=log, request_timeout=30)
        ready = requests.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready" and ready.json()["checks"]["worker"]["ok"] is True
        assert requests.get(f"{base}/metrics", timeout=30).status_code == 404  # no token
        metrics = requests.get(f"{base}/metrics", headers={"Authorization": "Bearer serving-metrics-token"}, timeout=30)
        assert metrics.status_code == 200 and "serene_http_request_duration_seconds_count" in metrics.text
        assert 'serene_worker_heartbeat_age_seconds' in metrics.text
    finally:
        stop_process(server)


def test_metrics_count_the_requests_of_every_worker_with_prometheus_multiproc_dir(tmp_path):
    from tests.core.test_observability import _sample
    shared = tmp_path / "prometheus"
    shared.mkdir()
    port = free_port()
    env = production_env(tmp_path, PORT=str(port), WEB_CONCURRENCY="2", PROMETHEUS_MULTIPROC_DIR=str(shared),
                         METRICS_TOKEN="serving-metrics-token")
    log = tmp_path / "web.log"
    server = start_process("web", env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server, seconds=120, what="web", log=log, request_timeout=30)
        sent = 1  # the probe above
        # New connections until both workers have answered some (each keeps its own file, named by its pid).
        deadline = time.monotonic() + 60
        with ThreadPoolExecutor(max_workers=4) as pool:
            while len({path.name.rsplit("_", 1)[-1] for path in shared.glob("histogram_*.db")}) < 2:
                assert time.monotonic() < deadline, f"one worker answered everything: {list(shared.iterdir())}"
                statuses = list(pool.map(lambda _: requests.get(f"{base}/healthz", timeout=30,
                                                                headers={"Connection": "close"}).status_code, range(8)))
                assert statuses == [200] * 8
                sent += 8
        text = requests.get(f"{base}/metrics", headers={"Authorization": "Bearer serving-metrics-token"}, timeout=30).text
    finally:
        stop_process(server)
    assert _sample(text, "serene_http_request_duration_seconds_count", route="healthz", status="2xx") == sent


# --- The PostgreSQL pool under the request threads ---------------------------------------------------

def _connections_from(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name])
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_request_threads_share_the_pool_and_a_full_one_answers_503(tmp_path):
    from tests.video.live import database_url_for_server
    port = free_port()
    name = f"serene-serving-test-{port}"
    env = production_env(tmp_path, PORT=str(port), DJANGO_SETTINGS_MODULE="tests.core.slow_settings",
                         DATABASE_URL=database_url_for_server(tmp_path) + f"?application_name={name}",
                         DATABASE_POOL_MIN="1", DATABASE_POOL_MAX="2", DATABASE_POOL_TIMEOUT="1",
                         DATABASE_POOL_RETRY_AFTER_SECONDS="7")
    log = tmp_path / "web.log"
    server = start_process("web", env, log)
    peak = [0]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], _connections_from(name))
            time.sleep(0.05)
        connection.close()

    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server, seconds=120, what="web", log=log, request_timeout=30)
        watcher = threading.Thread(target=watch)
        watcher.start()
        with ThreadPoolExecutor(max_workers=6) as pool:  # six requests at once, two connections
            answers = list(pool.map(lambda _: requests.get(f"{base}/test/slow-db?seconds=2", timeout=60), range(6)))
        stop.set()
        watcher.join()
        after = [requests.get(f"{base}/healthz", timeout=30).status_code for _ in range(10)]
    finally:
        stop.set()
        stop_process(server)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(200) >= 2 and statuses.count(503) >= 1, statuses
    assert set(statuses) == {200, 503}, statuses
    busy = next(answer for answer in answers if answer.status_code == 503)
    assert busy.headers["Retry-After"] == "7" and "busy for a moment" in busy.text
    assert 1 <= peak[0] <= 2, f"{peak[0]} connections from the web process, its pool allows 2"
    assert after == [200] * 10  # every connection went back to the pool


# --- The collector, the Server header, the proxy's headers --------------------------------------------

def test_the_wsgi_entry_freezes_the_loaded_app(tmp_path):
    env = production_env(tmp_path)
    done = subprocess.run([sys.executable, "-c", "import gc, serene.wsgi; print(gc.get_freeze_count())"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) > 50_000  # the loaded app's objects, out of the collector's walks


def _call(application, environ: dict) -> tuple[dict, list]:
    seen: dict = {}
    started: list = []

    def app(env, start_response):
        seen.update(env)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    def start_response(status, headers, exc_info=None):
        started.extend(headers)
        return lambda data: None

    wrapped = application(app)
    wrapped({"REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", **environ}, start_response)
    return seen, started


def test_the_client_address_comes_from_a_trusted_proxy_only():
    trusted = lambda app: behind_proxy(app, trusted=["127.0.0.1"])  # noqa: E731
    seen, _ = _call(trusted, {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_X_FORWARDED_PROTO": "https"})
    assert seen["REMOTE_ADDR"] == "203.0.113.9" and seen["wsgi.url_scheme"] == "https"
    # A client that writes its own X-Forwarded-For: the proxy appends the address it saw, which wins.
    seen, _ = _call(trusted, {"HTTP_X_FORWARDED_FOR": "10.0.0.1, 198.51.100.7"})
    assert seen["REMOTE_ADDR"] == "198.51.100.7"
    # Straight from an untrusted address, the headers are the client's own words: ignored.
    seen, _ = _call(trusted, {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "127.0.0.1",
                              "HTTP_X_FORWARDED_PROTO": "https"})
    assert seen["REMOTE_ADDR"] == "198.51.100.7" and seen["wsgi.url_scheme"] == "http"
    seen, _ = _call(lambda app: behind_proxy(app, trusted=["*"]), {"REMOTE_ADDR": "192.0.2.1",
                                                                    "HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.2"})
    assert seen["REMOTE_ADDR"] == "203.0.113.9"


def test_the_server_header_is_sent_empty():
    _, headers = _call(without_server_software, {})
    assert ("Server", "") in headers

