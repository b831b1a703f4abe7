"""A newcomer runs `make run`, books and pays for a session in Chromium, and reads the confirmation
the worker sent at /dev/mail/: the real processes (uvicorn, the task worker, the scheduler) on a
fresh SQLite database with the demo data, as the README promises."""
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import _free_port
from tests.servers import wait_until_serving

from .test_booking_wizard import choose_first_free_slot, open_wizard, pay_in_checkout

ROOT = Path(__file__).resolve().parents[2]
# Installing, migrating and seeding a fresh var/ can take minutes on a loaded two-core machine;
# this waits for it to serve, it does not time it.
MAKE_RUN_START_SECONDS = 420
DEMO_PASSWORD = "serene-demo-2026"

# It starts its own server and database, so it runs once, in the SQLite round of the suite.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite]


@pytest.fixture
def make_run(tmp_path, chromium_path):
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "SITE_URL", "PAYMENTS_SANDBOX",
                          "PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION", "DEBUG"}}
    env.update({"SERENE_VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"})
    log = open(tmp_path / "make-run.log", "w")
    process = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, seconds=MAKE_RUN_START_SECONDS, what="make run",
                           log=tmp_path / "make-run.log", pause=0.5)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_a_booking_under_make_run_sends_the_confirmation_seen_at_dev_mail(make_run, desktop, screenshot):
    page = desktop.new_page()
    page.goto(f"{make_run}/accounts/login/?next=/experts/sarah-khan/")
    page.get_by_label("Email").fill("customer@serene.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dr. Sarah Khan", level=1)).to_be_visible()
    open_wizard(page)
    wizard, _ = choose_first_free_slot(page)
    wizard.get_by_role("button", name="Proceed to pay →").click()
    pay_in_checkout(page)
    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible(timeout=20_000)
    expect(page.locator(".email-note")).to_contain_text("customer@serene.test")

    subject = "Your session with Dr. Sarah Khan is confirmed!"
    alert = "New Booking Alert - Asha Verma"
    for _ in range(60):  # the worker sends both, one after the other, within a moment of the payment
        page.goto(f"{make_run}/dev/mail/")
        if page.get_by_role("link", name=subject).count() and page.get_by_role("link", name=alert).count():
            break
        time.sleep(0.5)
    expect(page.get_by_role("link", name=subject)).to_be_visible()
    expect(page.get_by_role("link", name="New Booking Alert - Asha Verma")).to_be_visible()
    page.get_by_role("link", name=subject).click()
    frame = page.frame_locator("iframe.mail-frame")
    expect(frame.get_by_role("heading", name=subject)).to_be_visible()
    expect(frame.get_by_role("link", name="View your session")).to_have_attribute(
        "href", re.compile(rf"^{re.escape(make_run)}/sessions/[0-9a-f-]+/$"))
    expect(page.get_by_role("link", name="invite.ics")).to_be_visible()
    screenshot(page, "make-run-dev-mail-confirmation")
