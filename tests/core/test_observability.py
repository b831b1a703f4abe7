"""Readiness, metrics, money-event log lines, the expected-4xx filter and JSON logs."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from serene.core.logs import JsonFormatter
from serene.core.models import WorkerHeartbeat
from serene.core.tasks import worker_heartbeat
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.payments.helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)


# --- /readyz ---------------------------------------------------------------------------------------

def test_readyz_is_503_with_a_reason_until_a_worker_has_run_the_heartbeat(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready" and body["checks"]["database"] == {"ok": True}
    assert body["checks"]["worker"]["ok"] is False
    assert "heartbeat" in body["checks"]["worker"]["reason"]

    worker_heartbeat.enqueue()  # the test backend runs it at once, as a worker would
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ready" and response.json()["checks"]["worker"]["ok"] is True
    assert client.get("/healthz").status_code == 200


def test_readyz_is_503_when_the_last_heartbeat_is_too_old(client, settings):
    settings.READY_WORKER_MAX_AGE_SECONDS = 120
    WorkerHeartbeat.objects.create(name="worker", seen_at=timezone.now() - timedelta(seconds=121), host="gone")
    response = client.get("/readyz")
    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False and worker["age_seconds"] >= 121 and "READY_WORKER_MAX_AGE_SECONDS=120" in worker["reason"]
    WorkerHeartbeat.objects.filter(name="worker").update(seen_at=timezone.now() - timedelta(seconds=60))
    assert client.get("/readyz").status_code == 200


def test_the_heartbeat_is_scheduled():
    from django.conf import settings
    assert ("serene.core.tasks.worker_heartbeat", settings.WORKER_HEARTBEAT_INTERVAL_SECONDS) in settings.SCHEDULED_TASKS


# --- /metrics --------------------------------------------------------------------------------------

@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)


def _book_and_pay(client, sandbox) -> dict:
    customer = UserFactory()
    client.force_login(customer)
    order = create_order(client, starts=at(next_weekday(), 10))
    assert order.status_code == 200, order.content
    result = pay(sandbox, order.json()["orderId"])
    response = verify(client, result)
    assert response.status_code == 200, response.content
    return {"order": order.json(), "result": result, "customer": customer}


def _sample(text: str, name: str, **labels) -> float | None:
    from prometheus_client.parser import text_string_to_metric_families
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None


def test_metrics_need_the_token_outside_debug(client, settings):
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "a-long-metrics-token"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer a-long-metrics-token")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    assert client.get("/metrics").status_code == 200  # the test client's REMOTE_ADDR
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404


def test_metrics_after_a_paid_booking(client, sandbox, settings, sarah):
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False
    settings.METRICS_TOKEN = "t0ken"
    scrape = lambda: client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken").content.decode()  # noqa: E731
    before = scrape()
    assert _sample(before, "serene_bookings", status="confirmed") == 0
    _book_and_pay(client, sandbox)
    client.get("/experts/sarah/")
    text = scrape()
    assert _sample(text, "serene_bookings", status="confirmed") == 1
    assert _sample(text, "serene_bookings", status="pending") == 0
    assert _sample(text, "serene_payments", status="captured") == 1
    assert _sample(text, "serene_refunds", status="processed") == 0
    assert _sample(text, "serene_tasks_waiting") is None or _sample(text, "serene_tasks_waiting") >= 0
    assert _sample(text, "serene_tasks_oldest_waiting_seconds") is not None
    # Latency by route: the URL pattern, not the path with the expert's slug in it.
    routes = {line.split('route="')[1].split('"')[0] for line in text.splitlines()
              if line.startswith("serene_http_request_duration_seconds_count")}
    assert "experts/<slug:slug>/" in routes and "api/v1/payments/verify" in routes
    assert not any("sarah" in route for route in routes)


def test_task_queue_depth_and_age_of_the_oldest(client, settings):
    from django_tasks_db.models import DBTaskResult, get_date_max
    settings.METRICS_TOKEN = "t0ken"
    now = timezone.now()
    for minutes in (5, 1):
        row = DBTaskResult.objects.create(task_path="serene.core.tasks.worker_heartbeat", args_kwargs={"args": [], "kwargs": {}},
                                          backend_name="default", run_after=get_date_max())
        DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=now - timedelta(minutes=minutes))
    DBTaskResult.objects.create(task_path="serene.core.tasks.worker_heartbeat", args_kwargs={"args": [], "kwargs": {}},
                                backend_name="default", run_after=now + timedelta(hours=1))
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken").content.decode()
    assert _sample(text, "serene_tasks_waiting", queue="default") == 2
    assert _sample(text, "serene_tasks_deferred") == 1
    assert 299 <= _sample(text, "serene_tasks_oldest_waiting_seconds") < 400


# --- Logs ----------------------------------------------------------------------------------------

def test_a_capture_logs_one_info_line_with_its_ids(client, sandbox, settings, sarah, caplog):
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False
    caplog.set_level(logging.INFO, logger="serene.payments")
    paid = _book_and_pay(client, sandbox)
    lines = [r for r in caplog.records if r.name == "serene.payments.events" and "captured" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    message = lines[0].getMessage()
    assert paid["result"]["razorpay_payment_id"] in message and paid["result"]["razorpay_order_id"] in message
    assert "150000 INR" in message


def test_a_refund_logs_info_lines_with_its_ids(client, sandbox, settings, sarah, caplog):
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False
    paid = _book_and_pay(client, sandbox)
    booking_id = paid["order"]["sessionId"]
    caplog.set_level(logging.INFO, logger="serene.payments")
    response = client.post(f"/api/v1/sessions/{booking_id}/cancel", data="{}", content_type="application/json")
    assert response.status_code == 200, response.content
    lines = [r.getMessage() for r in caplog.records if r.name == "serene.payments.refund_lifecycle"]
    assert lines, [r.getMessage() for r in caplog.records]
    assert any(paid["result"]["razorpay_payment_id"] in line and booking_id in line and "150000" in line
               for line in lines)
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "serene.payments.refund_lifecycle")


def test_a_late_payment_decision_is_logged(client, sandbox, settings, sarah, caplog):
    from serene.bookings.models import Booking
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), 11)).json()
    Booking.objects.update(hold_expires_at=timezone.now() - timedelta(minutes=1))  # the hold ran out
    caplog.set_level(logging.INFO, logger="serene.payments")
    result = pay(sandbox, order["orderId"])
    assert verify(client, result).status_code in (200, 409, 410)
    lines = [r.getMessage() for r in caplog.records if "Late payment decision" in r.getMessage()]
    assert len(lines) == 1 and result["razorpay_payment_id"] in lines[0] and "kept" in lines[0]


def test_an_expected_409_is_not_a_warning_but_an_unknown_address_still_is(client, sandbox, sarah, caplog):
    client.force_login(UserFactory())
    start = at(next_weekday(), 12)
    assert create_order(client, starts=start).status_code == 200
    rival = Client()
    rival.force_login(UserFactory())
    caplog.set_level(logging.INFO)
    response = create_order(rival, starts=start)
    assert response.status_code == 409, response.content
    assert not [r for r in caplog.records if r.name == "django.request"], [r.getMessage() for r in caplog.records]
    caplog.clear()
    assert client.get("/no-such-page/").status_code == 404
    assert [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.WARNING]


def test_json_log_lines():
    record = logging.LogRecord("serene.payments.events", logging.INFO, __file__, 1, "Payment captured: %s", ("pay_1",), None)
    record.status_code = 409
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "serene.payments.events"
    assert entry["message"] == "Payment captured: pay_1" and entry["status_code"] == 409
    assert entry["time"].endswith("+00:00")
    try:
        raise ValueError("boom")
    except ValueError:
        import sys
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exception"]


def test_log_format_json_is_a_setting(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DEBUG": "true", "LOG_FORMAT": "json", "SERENE_VAR_DIR": str(tmp_path)})
    code = "import logging, django; django.setup(); logging.getLogger('serene.test').info('hello %s', 'json')"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env={**env, "DJANGO_SETTINGS_MODULE": "serene.settings"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stderr.strip().splitlines()[-1])
    assert entry["message"] == "hello json" and entry["logger"] == "serene.test"
    env["LOG_FORMAT"] = "xml"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env={**env, "DJANGO_SETTINGS_MODULE": "serene.settings"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "LOG_FORMAT must be plain or json" in done.stderr


def test_latency_of_several_processes_is_summed_with_prometheus_multiproc_dir(tmp_path):
    """Two processes answer one request each; a third's /metrics counts both (PROMETHEUS_MULTIPROC_DIR)."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DEBUG": "true", "SERENE_VAR_DIR": str(tmp_path), "PROMETHEUS_MULTIPROC_DIR": str(shared),
                "DJANGO_SETTINGS_MODULE": "serene.settings"})
    setup = "import django; django.setup(); from django.test import Client; c = Client(); "
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", setup + "assert c.get('/healthz').status_code == 200"],
                              cwd=root, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-c", setup + "print(c.get('/metrics').content.decode())"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _sample(done.stdout, "serene_http_request_duration_seconds_count", route="healthz") == 2
