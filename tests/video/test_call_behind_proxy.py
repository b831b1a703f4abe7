"""The video call as production serves it: nginx with the configuration of docs/operations.md (TLS,
/ws/ to the Procfile's `ws` process, everything else to its `web` process), the two processes sharing
Redis, and two people in Chromium making the call over https and wss."""
from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import urllib3

from tests.conftest import unavailable
from tests.procfile import ROOT, free_port, start_process, stop_process
from tests.servers import wait_until_serving

from .conftest import make_booking
from .live import _server_env, database_url_for_server, redis_or_unavailable
from .test_call_browser import connect_both, open_room, people  # noqa: F401 (people is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def documented_nginx_config() -> str:
    """The ```nginx block of docs/operations.md, as written."""
    text = (ROOT / "docs" / "operations.md").read_text()
    block = re.search(r"```nginx\n(.*?)```", text, re.S)
    assert block, "docs/operations.md has no ```nginx block"
    return block.group(1)


def nginx_config_for_test(*, http_port: int, https_port: int, web_port: int, ws_port: int, folder: Path) -> str:
    """The documented configuration with this machine's host name, ports, certificate and media folder;
    each replacement must find its text, so the test runs the documented block and nothing else."""
    config = documented_nginx_config()
    replacements = [
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{web_port};"),
        ("server 127.0.0.1:8001;", f"server 127.0.0.1:{ws_port};"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("server_name serene.example.com;", "server_name 127.0.0.1;"),
        ("/etc/letsencrypt/live/serene.example.com/fullchain.pem", str(folder / "cert.pem")),
        ("/etc/letsencrypt/live/serene.example.com/privkey.pem", str(folder / "key.pem")),
        ("/srv/serene/var/media/", f"{folder / 'media'}/"),
    ]
    for documented, here in replacements:
        assert documented in config, f"docs/operations.md's nginx block no longer has {documented!r}"
        config = config.replace(documented, here)
    return config


@contextmanager
def nginx(folder: Path, site: str):
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        unavailable("nginx is not installed (apt-get install -y nginx): the call behind the proxy needs it")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")], check=True,
                   capture_output=True)
    (folder / "media").mkdir(exist_ok=True)
    (folder / "site.conf").write_text(site)
    # A master configuration of the test's own (no system paths), around the documented site.
    (folder / "nginx.conf").write_text(f"""
user root;
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
""")
    log = open(folder / "nginx.out", "w")
    process = subprocess.Popen([binary, "-p", str(folder), "-e", str(folder / "error.log"), "-c",
                                str(folder / "nginx.conf")], stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        yield process
    finally:
        stop_process(process, timeout=15)
        log.close()


def test_the_call_through_nginx_to_the_procfiles_web_and_ws_processes(tmp_path, people, customer, expert):  # noqa: F811
    redis_url = redis_or_unavailable()
    booking = make_booking(customer=customer, expert=expert)
    ports = {name: free_port() for name in ("http", "https", "web", "ws")}
    base = f"https://127.0.0.1:{ports['https']}"
    env = _server_env(database_url_for_server(tmp_path), {
        "DEBUG": "false", "SITE_URL": base, "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": f"serene-test-{secrets.token_hex(4)}", "HOST": "127.0.0.1",
        "PORT": str(ports["web"]), "WS_PORT": str(ports["ws"]), "WEB_CONCURRENCY": "2"})
    site = nginx_config_for_test(http_port=ports["http"], https_port=ports["https"], web_port=ports["web"],
                                 ws_port=ports["ws"], folder=tmp_path)
    servers = {name: start_process(name, env, tmp_path / f"{name}.log") for name in ("web", "ws")}
    try:
        for name in servers:
            wait_until_serving(f"http://127.0.0.1:{ports[name]}", servers[name], seconds=120, what=name,
                               log=tmp_path / f"{name}.log", request_timeout=30)
        with nginx(tmp_path, site) as proxy:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            response = _wait_for_proxy(f"{base}/healthz", proxy, tmp_path)
            # Through the proxy: HTTPS as far as Serene knows (HSTS), and no server software named.
            assert response.headers["Strict-Transport-Security"].startswith("max-age=")
            assert response.headers["Server"] == "nginx", response.headers
            redirect = requests.get(f"http://127.0.0.1:{ports['http']}/experts/", allow_redirects=False, timeout=30)
            assert redirect.status_code == 301 and redirect.headers["Location"].startswith("https://")
            assert requests.get(f"{base}/metrics", verify=False, timeout=30,
                                headers={"Authorization": "Bearer x"}).status_code == 404  # token still needed

            customer_page = open_room(people(ignore_https_errors=True), base, customer, booking)
            expert_page = open_room(people(ignore_https_errors=True), base, expert.user, booking)
            assert customer_page.evaluate("location.protocol") == "https:"
            connect_both(customer_page, expert_page)
            assert customer_page.evaluate("window.sereneRoom.socket.url").startswith("wss://")
        # The sockets reached the ws process (uvicorn logs each one it accepts), never the web process.
        ws_log = (tmp_path / "ws.log").read_text()
        assert re.search(r'"WebSocket /ws/sessions/[^ ]+/room/(\?call=[0-9a-f]+)?" \[accepted\]', ws_log), ws_log[-2000:]
    finally:
        for server in servers.values():
            stop_process(server)


def _wait_for_proxy(url: str, proxy: subprocess.Popen, folder: Path) -> requests.Response:
    deadline = time.monotonic() + 30
    while True:
        if proxy.poll() is not None:
            pytest.fail(f"nginx stopped: {(folder / 'error.log').read_text()[-2000:]}")
        try:
            response = requests.get(url, verify=False, timeout=10)
            if response.status_code == 200:
                return response
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"nginx did not answer in 30 s: {(folder / 'error.log').read_text()[-2000:]}")
        time.sleep(0.3)
