"""Shared test fixtures: database vendor checks, factories, a real SMTP server and Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from .factories import *  # noqa: E402,F401,F403
from .writes import foreign_writes, watch_writes  # noqa: E402

# --clock: the whole suite at a moved clock (tests/clock.py).
pytest_plugins = ["tests.clock"]

ON_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_CANDIDATES = [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium", "/usr/lib/chromium/chromium",
                       shutil.which("chromium") or "", shutil.which("chromium-browser") or ""]
SCREENSHOT_DIR = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def _database_vendor() -> str:
    from django.conf import settings
    return "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"


def pytest_report_header(config):
    return f"database: {_database_vendor()}"


def pytest_collection_modifyitems(config, items):
    """Tests marked for one database are left out (not skipped) when the suite runs on the other."""
    vendor = _database_vendor()
    keep, drop = [], []
    for item in items:
        if item.get_closest_marker("postgres") and vendor != "postgresql":
            drop.append(item)
        elif item.get_closest_marker("sqlite") and vendor != "sqlite":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def unavailable(reason: str):
    """Off CI a missing tool skips with a message; on CI it fails the run."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: this must not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    for candidate in CHROMIUM_CANDIDATES:
        if candidate and os.path.exists(candidate):
            return candidate
    unavailable("Chromium is not installed (apt-get install -y chromium): browser tests skipped")


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed: browser tests skipped")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic",
                  "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
        yield browser
        browser.close()


# Every Content-Security-Policy violation a page reports, as the browser's console shows it.
_CSP_REPORTER = """window.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.effectiveDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.sourceFile + ":" + e.lineNumber);
});"""


@pytest.fixture
def csp_violations() -> list[str]:
    """Console lines about Content-Security-Policy violations in the desktop and phone contexts."""
    return []


def _watch_csp(context, violations: list[str]) -> None:
    context.add_init_script(_CSP_REPORTER)

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation") or "Permissions policy" in text:
            violations.append(f"{message.type}: {text}")
    context.on("console", on_console)


@pytest.fixture
def desktop(browser, csp_violations):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, timezone_id="Asia/Kolkata", locale="en-IN")
    context.set_default_timeout(10_000)
    _watch_csp(context, csp_violations)
    yield context
    context.close()


@pytest.fixture
def phone(browser, csp_violations):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, timezone_id="Asia/Kolkata", locale="en-IN")
    context.set_default_timeout(10_000)
    _watch_csp(context, csp_violations)
    yield context
    context.close()


@pytest.fixture
def screenshot():
    """Saves a full-page screenshot under var/screenshots/ (kept out of git) and returns its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


AXE_JS = Path(__file__).resolve().parent.parent / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        unavailable("axe-core is not installed (make axe): accessibility checks skipped")
    return AXE_JS.read_text()


@pytest.fixture
def axe(axe_source):
    """Runs axe-core on a page and returns its serious and critical violations as readable lines.

    `assert not axe(page)` fails with each rule, its impact and the first offending elements.
    """

    def run(page, *, include: str | None = None) -> list[str]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Through the DevTools protocol, as a tester's console would: the page's own
            # Content-Security-Policy (rightly) refuses an injected inline script.
            cdp = page.context.new_cdp_session(page)
            try:
                cdp.send("Runtime.evaluate", {"expression": axe_source})
            finally:
                cdp.detach()
        result = page.evaluate(
            """async (include) => {
                const context = include ? {include: [include]} : document;
                const r = await axe.run(context, {resultTypes: ['violations']});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').split(String.fromCharCode(10)).slice(0, 2).join(' '))}));
            }""", include)
        return [f"{v['id']} ({v['impact']}): {v['help']} -> {v['nodes']}" for v in result
                if v["impact"] in ("serious", "critical")]

    return run


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpInbox:
    """Messages received by a real SMTP server (aiosmtpd) listening on 127.0.0.1."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message})
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller
    inbox = SmtpInbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()



@pytest.fixture
def sandbox(live_server, settings):
    """Point the SDK (and the emulator's webhooks) at the live test server, over real HTTP."""
    settings.RAZORPAY_API_BASE = f"{live_server.url}/sandbox/razorpay"
    settings.RAZORPAY_CHECKOUT_JS = f"{live_server.url}/sandbox/razorpay/checkout.js"
    settings.RAZORPAY_SANDBOX_WEBHOOK_URL = f"{live_server.url}/api/v1/payments/webhook"
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def quiet(settings):
    """The emulator records its webhooks but does not send them; tests deliver them by hand."""
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False


@pytest.fixture
def sdk(sandbox, settings):
    import razorpay
    return razorpay.Client(auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET),
                           base_url=f"{sandbox.url}/sandbox/razorpay")


@pytest.fixture(autouse=True)
def each_app_writes_only_its_own_models():
    """docs/architecture.md, "Each app writes only its own models": a test whose code (a module of
    serene) wrote another app's table fails, naming the module and the table (tests/writes.py)."""
    with watch_writes() as seen:
        yield
    offenders = foreign_writes(seen)
    if offenders:
        pytest.fail("A module wrote another app's model:\n" + "\n".join(offenders), pytrace=False)
