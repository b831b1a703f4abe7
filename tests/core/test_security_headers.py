"""Content-Security-Policy, Permissions-Policy, no server name, and `check --deploy` for the
documented production settings."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from serene.core.security import DEFAULT_PERMISSIONS_POLICY, permissions_policy, permissions_policy_value
from tests.factories import ExpertFactory, UserFactory
from tests.servers import wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
RAZORPAY = ("https://checkout.razorpay.com", "https://api.razorpay.com")


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
def test_every_page_has_a_strict_policy_without_the_payment_hosts(client):
    ExpertFactory(slug="sarah")
    for path in ("/", "/accounts/login/", "/accounts/signup/", "/healthz", "/api/v1/experts", "/no-such-page/"):
        response = client.get(path)
        policy = _policy(response)
        assert policy["default-src"] == ["'self'"], path
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"], path
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"], path
        assert not any(host in response["Content-Security-Policy"] for host in RAZORPAY), path


@pytest.mark.django_db
def test_an_inline_script_carries_the_nonce_of_its_response(client):
    response = client.get("/accounts/signup/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.content.decode(), re.S)
    inline = [attributes for attributes, body in scripts if body.strip() and "application/json" not in attributes]
    assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline)
    assert client.get("/accounts/signup/")["Content-Security-Policy"] != response["Content-Security-Policy"]  # fresh
    # No inline event handlers anywhere in the templates: they would need 'unsafe-inline'.
    handlers = [str(path) for path in (ROOT / "serene" / "templates").rglob("*.html")
                if re.search(r"\son[a-z]+\s*=\s*[\"']", path.read_text())]
    assert handlers == []


@pytest.mark.django_db
def test_the_razorpay_hosts_are_allowed_only_where_payment_happens(client, settings):
    settings.RAZORPAY_CHECKOUT_JS = "https://checkout.razorpay.com/v1/checkout.js"
    settings.RAZORPAY_API_BASE = "https://api.razorpay.com"
    ExpertFactory(slug="sarah")
    customer = UserFactory()
    client.force_login(customer)
    for path in ("/experts/sarah/", "/booking/failed?error=payment_failed"):
        policy = _policy(client.get(path))
        for directive in ("script-src", "connect-src", "frame-src"):
            assert set(RAZORPAY) <= set(policy[directive]), (path, directive)
        assert "'self'" in policy["script-src"]
    for path in ("/", "/accounts/profile/", "/dashboard/"):
        response = client.get(path)
        assert not any(host in response.get("Content-Security-Policy", "") for host in RAZORPAY), path


@pytest.mark.django_db
def test_the_emulators_checkout_host_is_allowed_on_the_payment_pages(client, settings):
    settings.RAZORPAY_CHECKOUT_JS = "http://localhost:8123/sandbox/razorpay/checkout.js"
    settings.RAZORPAY_API_BASE = "http://localhost:8123/sandbox/razorpay"
    ExpertFactory(slug="sarah")
    policy = _policy(client.get("/experts/sarah/"))
    assert "http://localhost:8123" in policy["script-src"] and "http://localhost:8123" in policy["connect-src"]
    assert "http://localhost:8123" not in _policy(client.get("/"))["script-src"]


@pytest.mark.django_db
def test_the_admin_and_the_emulators_script_keep_working(client):
    assert client.get("/admin/login/").status_code == 200
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    response = client.get("/sandbox/razorpay/checkout.js")
    assert response.status_code == 200 and b"Razorpay" in response.content


@pytest.mark.django_db
def test_permissions_policy_denies_camera_and_microphone_everywhere(client):
    for path in ("/", "/healthz", "/api/v1/experts", "/static/css/app.css", "/no-such-page/"):
        header = client.get(path)["Permissions-Policy"]
        assert "camera=()" in header and "microphone=()" in header and "geolocation=()" in header, path
    assert DEFAULT_PERMISSIONS_POLICY == permissions_policy_value()


@pytest.mark.django_db
def test_the_decorator_allows_camera_and_microphone_and_the_middleware_keeps_it(settings):
    from django.test import override_settings
    from django.urls import path

    @permissions_policy(camera=True, microphone=True)
    def room(request):
        return HttpResponse("room")

    def own(request):
        response = HttpResponse("own")
        response["Permissions-Policy"] = "geolocation=(self)"
        return response

    class Urls:
        urlpatterns = [path("room/", room), path("own/", own)]

    with override_settings(ROOT_URLCONF=Urls):
        from django.test import Client
        header = Client().get("/room/")["Permissions-Policy"]
        assert "camera=(self)" in header and "microphone=(self)" in header and "geolocation=()" in header
        assert Client().get("/own/")["Permissions-Policy"] == "geolocation=(self)"
    with pytest.raises(ValueError):
        permissions_policy(camra=True)


def test_the_decorator_wraps_async_views_too():
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    @permissions_policy(camera=True)
    async def view(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    with ThreadPoolExecutor(1) as thread:  # a thread of its own: another test may leave a loop running in this one
        response = thread.submit(asyncio.run, view(request)).result()
    assert "camera=(self)" in response["Permissions-Policy"] and "microphone=()" in response["Permissions-Policy"]


# --- The server as the Procfile runs it ------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_responses_do_not_name_the_server_software(tmp_path):
    """The Procfile's web process (granian, which names itself unless the application sends a Server
    header: serene.wsgi sends an empty one) and its ws process (uvicorn --no-server-header)."""
    from tests.procfile import procfile_commands, server_env, start_process, stop_process
    assert "--no-server-header" in procfile_commands()["ws"]
    ports = {"web": _free_port(), "ws": _free_port()}
    env = server_env(DEBUG="true", SERENE_VAR_DIR=str(tmp_path), PORT=str(ports["web"]), WS_PORT=str(ports["ws"]),
                     WEB_CONCURRENCY="1", REDIS_URL=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7"))
    servers = {name: start_process(name, env, tmp_path / f"{name}.log") for name in ports}
    try:
        for name, port in ports.items():
            response = wait_until_serving(f"http://127.0.0.1:{port}", servers[name], seconds=120, what=name,
                                          log=tmp_path / f"{name}.log", request_timeout=60)
            assert response.headers.get("Server", "") == "", (name, response.headers)
            assert "Permissions-Policy" in response.headers and "Content-Security-Policy" in response.headers
    finally:
        for server in servers.values():
            stop_process(server)


# --- check --deploy ----------------------------------------------------------------------------------

def documented_production_env() -> dict[str, str]:
    """The `env` block under "Production environment" in docs/operations.md, as a dict."""
    text = (ROOT / "docs" / "operations.md").read_text()
    block = re.search(r"## Production environment.*?```env\n(.*?)```", text, re.S)
    assert block, "docs/operations.md has no ```env block under ## Production environment"
    env = {}
    for line in block.group(1).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    return env


def test_check_deploy_is_clean_for_the_documented_production_settings(tmp_path):
    documented = documented_production_env()
    assert documented["DEBUG"] == "false" and documented["SECURE_SSL_REDIRECT"] == "true"
    # A clean environment, as a server's: only what a process needs, then the documented settings.
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "SYSTEMROOT"}}
    env.update(documented)
    # Placeholders in the docs become real values of the same kind.
    env.update({"SECRET_KEY": "k" * 20 + "-Zq8" + "x7Yp" * 12, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "SERENE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "serene.settings"})
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout and "WARNING" not in done.stderr

    env["SECURE_SSL_REDIRECT"] = "false"  # the check can fail: without the redirect it warns
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode != 0 and "security.W008" in done.stdout + done.stderr
