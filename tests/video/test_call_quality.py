"""The received picture keeps its size when the signalling reconnects. A fresh peer connection starts
at a low bandwidth estimate, so Chromium sends a quarter of the picture (320×180 of 640×360) and
climbs back over some fifteen seconds; the room made one on every reconnect, so each dropped socket
showed a smaller picture for a while. Now a socket that comes back in the same stay keeps the call's
connection: the expert's socket drops three times, and each time the customer's page goes on
receiving frames as large as before, on the same peer connection."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .conftest import make_booking
from .live import database_url_for_server, uvicorn_server
from .test_call_browser import connect_both, open_room, people, status, wait_for_frames  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def received_size(page) -> list[int] | None:
    return page.evaluate("window.sereneRoom.frameSizes()")["received"]


def size_once_ramped_up(page, *, least=(640, 360), timeout=45) -> list[int]:
    """The received frame size once the sender's bandwidth estimate allows at least `least`."""
    deadline = time.monotonic() + timeout
    size = None
    while time.monotonic() < deadline:
        size = received_size(page)
        if size and size[0] >= least[0] and size[1] >= least[1]:
            return size
        time.sleep(0.5)
    pytest.fail(f"The received picture never reached {least}: {size}")


def test_the_received_picture_keeps_its_size_across_reconnects(tmp_path, people, customer, expert):  # noqa: F811
    booking = make_booking(customer=customer, expert=expert)
    with uvicorn_server(tmp_path, database_url_for_server(tmp_path)) as base:
        customer_page = open_room(people(), base, customer, booking)
        expert_page = open_room(people(), base, expert.user, booking)
        connect_both(customer_page, expert_page)
        before = size_once_ramped_up(customer_page)
        for page in (customer_page, expert_page):
            page.evaluate("window.sereneRoom.pc.testMark = 'first'")
        for _ in range(3):
            expert_page.evaluate("window.sereneRoom.socket.close()")  # the network drops the expert's socket
            expect(status(customer_page)).to_have_text("Waiting for Dr. Sarah Khan to reconnect…")
            for page in (customer_page, expert_page):
                expect(status(page)).to_have_text("Connected", timeout=60_000)
            wait_for_frames(customer_page)
            after = received_size(customer_page)
            assert after[0] >= before[0] and after[1] >= before[1], (before, after)
            assert customer_page.evaluate("document.getElementById('remote-video').videoWidth") >= before[0]
            before = after
        for page in (customer_page, expert_page):
            assert page.evaluate("window.sereneRoom.pc.testMark") == "first"  # the same connection throughout

        # Closing the tab is leaving, not a dropped socket: the other side hears it at once.
        expert_page.close()
        expect(status(customer_page)).to_have_text("Dr. Sarah Khan left the call. Waiting for them to join again.",
                                                   timeout=5_000)
        assert customer_page.evaluate("window.sereneRoom.pc") is None
