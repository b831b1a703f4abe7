"""With Jitsi, "Join the call" opens Jitsi Meet in a new tab (rel=noopener) and the room page stays;
when Jitsi's server cannot be reached, the page says so with a way to try again. Jitsi here is a
local stand-in (JITSI_URL on 127.0.0.1): the test reaches nothing outside the machine."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import make_booking
from .live import database_url_for_server, uvicorn_server
from .test_call_browser import open_room, people  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"device_scale_factor": 2, "is_mobile": True, "has_touch": True}


class StandInJitsi(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        body = b"<!doctype html><html lang='en'><title>Jitsi Meet (stand-in)</title><h1>Jitsi Meet stand-in</h1></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def stand_in_jitsi():
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInJitsi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_jitsi_opens_in_a_new_tab_and_the_room_page_stays_with_a_fallback(tmp_path, people, customer, expert,
                                                                         screenshot, axe):
    booking = make_booking(customer=customer, expert=expert)
    hosts = set()
    with stand_in_jitsi() as jitsi:
        jitsi_url = f"http://127.0.0.1:{jitsi.server_address[1]}"
        with uvicorn_server(tmp_path, database_url_for_server(tmp_path), VIDEO_PROVIDER="jitsi",
                            JITSI_DOMAIN="meet.serene.example", JITSI_APP_ID="serene",
                            JITSI_APP_SECRET="jitsi-secret-of-at-least-thirty-two-bytes", JITSI_URL=jitsi_url) as base:
            context = people()
            context.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
            page = open_room(context, base, customer, booking)
            room_page_url = page.url
            join = page.get_by_role("link", name="Join the call (opens in a new tab)")
            expect(join).to_have_attribute("target", "_blank")
            expect(join).to_have_attribute("rel", "noopener")
            page.wait_for_load_state("networkidle")
            expect(page.locator("#jitsi-unreachable")).to_be_hidden()  # the stand-in answers

            with context.expect_page() as new_tab:
                join.click()
            call = new_tab.value
            call.wait_for_load_state()
            assert call.url.startswith(f"{jitsi_url}/serene-") and "?jwt=" in call.url
            expect(call.get_by_role("heading", name="Jitsi Meet stand-in")).to_be_visible()
            assert call.evaluate("window.opener") is None  # noopener: Jitsi cannot steer the room page
            assert page.url == room_page_url  # the room page stays, to come back to
            expect(page.locator("#jitsi-opened")).to_have_text(
                "The call opened in a new tab. If you close it, join again from here.")
            call.close()

            # Jitsi is gone (its port closed): the page says so and offers to try again.
            jitsi.shutdown()
            jitsi.server_close()
            for width, height, device, options in ((1280, 800, "desktop", {}), (390, 844, "phone", PHONE)):
                context = people(width, height, **options)
                context.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
                page = open_room(context, base, customer, booking)
                fallback = page.locator("#jitsi-unreachable")
                expect(fallback).to_be_visible()
                expect(fallback).to_contain_text("Jitsi Meet at meet.serene.example cannot be reached")
                expect(fallback).to_contain_text("Your session is not affected")
                expect(page.get_by_role("link", name="Join the call (opens in a new tab)")).to_have_attribute(
                    "aria-describedby", "jitsi-unreachable")
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                assert not axe(page)
                screenshot(page, f"video-room-jitsi-unreachable-{device}")
            page.get_by_role("button", name="Try again").click()
            expect(fallback).to_be_visible()
    assert hosts <= {"127.0.0.1", "localhost"}, hosts
