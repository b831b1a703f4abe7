"""The call in Chromium (fake camera and microphone): the customer and the expert, each signed in in
their own browser context, open the room served by a real uvicorn process, and each page's remote
video decodes frames. Also across two processes sharing Redis, through coturn only, after a refresh
or a dropped socket, with a refused camera or no devices at all, and a call ended by a cancellation."""
from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD

from .conftest import make_booking
from .live import coturn, database_url_for_server, redis_or_unavailable, uvicorn_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMERA_REFUSED = """
(() => {
  const media = navigator.mediaDevices;
  const original = media.getUserMedia.bind(media);
  media.getUserMedia = (constraints) => (constraints && constraints.video)
    ? Promise.reject(new DOMException("Permission denied", "NotAllowedError")) : original(constraints);
})();
"""
NO_DEVICES = """
(() => {
  navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Requested device not found", "NotFoundError"));
})();
"""

# Counts the page's websockets and keeps the camera and microphone tracks it was given, so a test can
# see that an ended call released them and did not try to reconnect.
WATCHED = """
(() => {
  window.testTracks = [];
  window.testSockets = 0;
  const media = navigator.mediaDevices;
  const original = media.getUserMedia.bind(media);
  media.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    stream.getTracks().forEach((track) => window.testTracks.push(track));
    return stream;
  };
  const NativeSocket = window.WebSocket;
  function CountedSocket(...args) { window.testSockets += 1; return new NativeSocket(...args); }
  CountedSocket.prototype = NativeSocket.prototype;
  Object.assign(CountedSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = CountedSocket;
})();
"""


@pytest.fixture
def people(browser):
    """Two separate browser contexts, like two people on two computers."""
    contexts = []

    def make(width=1280, height=800, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, permissions=["camera", "microphone"],
                                      timezone_id="Asia/Kolkata", locale="en-IN", **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def open_room(context, base, user, booking, *, init_script=None):
    page = context.new_page()
    role = "expert" if user == booking.expert.user else "customer"
    page.on("console", lambda message: print(f"[{role} console] {message.type}: {message.text}"))
    if init_script:
        page.add_init_script(init_script)
    page.add_init_script("window.sereneRoomDebug = true")
    page.goto(f"{base}/accounts/login/?next=/sessions/{booking.public_id}/room/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Session with"))).to_be_visible()
    return page


def join(page):
    button = page.get_by_role("button", name="Join the call")
    expect(button).to_be_enabled(timeout=30_000)  # after the camera and microphone answered
    button.click()


def status(page):
    return page.locator("#room-status")


def wait_for_frames(page, *, more_than=10, timeout=60) -> dict:
    """Polls (never a wait_for_function on a Promise) until the remote video shows decoded frames that
    keep coming."""
    deadline = time.monotonic() + timeout
    first = None
    figures = {}
    while time.monotonic() < deadline:
        frames = page.evaluate("window.sereneRoom ? window.sereneRoom.framesDecoded() : 0")
        width = page.evaluate("document.getElementById('remote-video').videoWidth")
        figures = {"framesDecoded": frames, "videoWidth": width}
        if frames > more_than and width > 0:
            if first is None:
                first = frames
            elif frames > first:
                return figures
        time.sleep(0.3)
    pytest.fail(f"No remote video frames on {page.url}: {figures}, status {status(page).text_content()!r}")


def connect_both(customer_page, expert_page):
    join(customer_page)
    expect(status(customer_page)).to_have_text("Waiting for Dr. Sarah Khan to join.", timeout=30_000)
    join(expert_page)
    expect(status(customer_page)).to_have_text("Connected", timeout=60_000)
    expect(status(expert_page)).to_have_text("Connected", timeout=60_000)
    return wait_for_frames(customer_page), wait_for_frames(expert_page)


def test_customer_and_expert_see_each_other(tmp_path, people, customer, expert, screenshot):
    booking = make_booking(customer=customer, expert=expert)
    with uvicorn_server(tmp_path, database_url_for_server(tmp_path)) as base:
        customer_page = open_room(people(), base, customer, booking)
        expert_page = open_room(people(), base, expert.user, booking)
        join(customer_page)
        expect(status(customer_page)).to_have_text("Waiting for Dr. Sarah Khan to join.", timeout=30_000)
        expect(customer_page.locator("#time-left")).to_have_text(re.compile(r"^\d\d:\d\d left$"))
        screenshot(customer_page, "video-room-waiting-desktop")
        join(expert_page)
        for page in (customer_page, expert_page):
            expect(status(page)).to_have_text("Connected", timeout=60_000)
            wait_for_frames(page)
        screenshot(customer_page, "video-room-connected-desktop")

        # Mute and camera off change the local tracks; the call goes on.
        customer_page.get_by_role("button", name="Mute").click()
        expect(customer_page.get_by_role("button", name="Unmute")).to_have_attribute("aria-pressed", "true")
        customer_page.get_by_role("button", name="Camera off").click()
        expect(customer_page.get_by_role("button", name="Camera on")).to_be_visible()
        assert customer_page.evaluate("window.sereneRoom.pc.getSenders().map(s => s.track && s.track.enabled)") \
            == [False, False]
        customer_page.get_by_role("button", name="Camera on").click()
        customer_page.get_by_role("button", name="Unmute").click()

        # Hanging up tells the other side; rejoining connects again.
        expert_page.get_by_role("button", name="Hang up").click()
        expect(status(expert_page)).to_have_text("You left the call.")
        expect(status(customer_page)).to_have_text(re.compile("Dr. Sarah Khan left the call"), timeout=30_000)
        expert_page.get_by_role("button", name="Rejoin the call").click()
        expect(status(customer_page)).to_have_text("Connected", timeout=60_000)
        wait_for_frames(customer_page)
        wait_for_frames(expert_page)


def test_a_refresh_or_a_dropped_connection_comes_back_into_the_same_call(tmp_path, people, customer, expert):
    booking = make_booking(customer=customer, expert=expert)
    with uvicorn_server(tmp_path, database_url_for_server(tmp_path)) as base:
        customer_page = open_room(people(), base, customer, booking)
        expert_page = open_room(people(), base, expert.user, booking)
        connect_both(customer_page, expert_page)

        customer_page.reload()  # joins again by itself: the person was in the call
        for page in (customer_page, expert_page):
            expect(status(page)).to_have_text("Connected", timeout=60_000)
            wait_for_frames(page)

        expert_page.evaluate("window.sereneRoom.socket.close()")  # the network drops the signalling socket
        for page in (customer_page, expert_page):
            expect(status(page)).to_have_text("Connected", timeout=60_000)
            wait_for_frames(page)


def test_two_web_processes_share_the_call_through_redis(tmp_path, people, customer, expert):
    redis_url = redis_or_unavailable()
    booking = make_booking(customer=customer, expert=expert)
    database_url = database_url_for_server(tmp_path)
    layer = {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": f"serene-test-{secrets.token_hex(4)}"}
    with uvicorn_server(tmp_path, database_url, name="web-1", **layer) as first, \
            uvicorn_server(tmp_path, database_url, name="web-2", **layer) as second:
        assert first != second
        customer_page = open_room(people(), first, customer, booking)
        expert_page = open_room(people(), second, expert.user, booking)
        connect_both(customer_page, expert_page)


def test_media_relayed_only_through_coturn_with_time_limited_credentials(tmp_path, people, customer, expert):
    secret = secrets.token_urlsafe(24)
    booking = make_booking(customer=customer, expert=expert)
    with coturn(tmp_path, secret=secret) as turn, \
            uvicorn_server(tmp_path, database_url_for_server(tmp_path), TURN_URLS=turn["url"], TURN_SECRET=secret,
                           TURN_CREDENTIAL_TTL=600, ICE_TRANSPORT_POLICY="relay") as base:
        customer_page = open_room(people(), base, customer, booking)
        expert_page = open_room(people(), base, expert.user, booking)
        connect_both(customer_page, expert_page)
        for page in (customer_page, expert_page):
            assert page.evaluate("window.sereneRoom.pc.getConfiguration().iceTransportPolicy") == "relay"
            assert page.evaluate("window.sereneRoom.candidatePairType()") == "relay"
        log = turn["log"].read_text()
        # coturn granted a relay allocation (its wording: "ALLOCATE processed, success").
        assert re.search(r"allocate processed, success", log, re.IGNORECASE), log[-2000:]


def test_a_refused_camera_joins_by_voice_and_no_devices_joins_to_listen(tmp_path, people, customer, expert):
    booking = make_booking(customer=customer, expert=expert)
    with uvicorn_server(tmp_path, database_url_for_server(tmp_path)) as base:
        customer_page = open_room(people(), base, customer, booking, init_script=CAMERA_REFUSED)
        expert_page = open_room(people(), base, expert.user, booking)
        note = customer_page.locator("#device-note")
        expect(note).to_contain_text("not allowed to use your camera")
        expect(note).to_contain_text("join with your microphone only")
        expect(customer_page.get_by_role("button", name="No camera")).to_be_disabled()
        join(customer_page)
        join(expert_page)
        expect(status(customer_page)).to_have_text("Connected", timeout=60_000)
        wait_for_frames(customer_page)  # the customer sees the expert

        listener_page = open_room(people(), base, customer, booking, init_script=NO_DEVICES)
        expect(listener_page.locator("#device-note")).to_contain_text("No camera or microphone was found on this device.")
        expect(listener_page.locator("#device-note")).to_contain_text("You can still join and listen")
        join(listener_page)  # replaces the first tab
        expect(status(customer_page)).to_have_text(re.compile("another tab or window"), timeout=30_000)
        expect(status(listener_page)).to_have_text("Connected", timeout=60_000)
        wait_for_frames(listener_page)
        assert listener_page.evaluate("window.sereneRoom.pc.getSenders().filter(s => s.track).length") == 0


def test_room_screens_at_desktop_and_phone_widths(tmp_path, people, customer, expert, screenshot):
    soon = make_booking(customer=customer, expert=expert)
    later = make_booking(customer=customer, expert=expert, starts_in=timedelta(hours=26), minutes=60)
    with uvicorn_server(tmp_path, database_url_for_server(tmp_path)) as base:
        for width, height, device in ((1280, 800, "desktop"), (390, 844, "phone")):
            options = {"device_scale_factor": 2, "is_mobile": True, "has_touch": True} if device == "phone" else {}
            page = open_room(people(width, height, **options), base, customer, later)
            expect(page.get_by_text("Opens in")).to_be_visible()
            expect(page.locator(".countdown-value")).to_have_text(re.compile(r"^\d+ d \d+ h \d\d min$"))
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            screenshot(page, f"video-room-before-window-{device}")
        customer_page = open_room(people(390, 844, device_scale_factor=2, is_mobile=True, has_touch=True), base,
                                  customer, soon)
        expert_page = open_room(people(390, 844, device_scale_factor=2, is_mobile=True, has_touch=True), base,
                                expert.user, soon)
        join(customer_page)
        expect(status(customer_page)).to_have_text("Waiting for Dr. Sarah Khan to join.", timeout=30_000)
        screenshot(customer_page, "video-room-waiting-phone")
        join(expert_page)
        expect(status(expert_page)).to_have_text("Connected", timeout=60_000)
        wait_for_frames(expert_page)
        assert expert_page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(expert_page, "video-room-connected-phone")


def test_a_cancellation_mid_call_ends_it_on_both_pages(tmp_path, people, customer, expert, screenshot):
    booking = make_booking(customer=customer, expert=expert, starts_in=timedelta(minutes=9))
    with uvicorn_server(tmp_path, database_url_for_server(tmp_path)) as base:
        expert_context = people()
        customer_page = open_room(people(390, 844, device_scale_factor=2, is_mobile=True, has_touch=True), base,
                                  customer, booking, init_script=WATCHED)
        expert_page = open_room(expert_context, base, expert.user, booking, init_script=WATCHED)
        connect_both(customer_page, expert_page)
        pages = (customer_page, expert_page)
        sockets_opened = [page.evaluate("window.testSockets") for page in pages]

        # The expert cancels through the API, signed in as in their browser.
        token = expert_context.request.get(f"{base}/api/v1/auth/csrf").json()["csrfToken"]
        answer = expert_context.request.post(f"{base}/api/v1/sessions/{booking.public_id}/cancel",
                                             data={"reason": "I am unwell today."}, headers={"X-CSRFToken": token})
        assert answer.status == 200, answer.text()

        for page in pages:
            expect(status(page)).to_have_text("This session was cancelled, so the call has ended.", timeout=20_000)
            expect(page.locator("#hangup-button")).to_be_hidden()
            expect(page.locator("#join-button")).to_be_hidden()  # no way back into a cancelled session
            expect(page.locator("#time-left")).to_be_hidden()
            expect(page.locator("#local-video")).to_be_hidden()
            page.wait_for_function("window.testTracks.length > 0"
                                   " && window.testTracks.every((track) => track.readyState === 'ended')")
            assert page.evaluate("window.sereneRoom.pc === null && window.sereneRoom.socket === null")
            assert page.evaluate("document.getElementById('local-video').srcObject === null")
        screenshot(expert_page, "video-room-cancelled-desktop")
        screenshot(customer_page, "video-room-cancelled-phone")
        assert customer_page.evaluate("document.documentElement.scrollWidth") <= 390

        time.sleep(4)  # longer than the page's first reconnect delays: it must not have tried
        assert [page.evaluate("window.testSockets") for page in pages] == sockets_opened
        for page in pages:
            expect(status(page)).to_have_text("This session was cancelled, so the call has ended.")


CAMERA_BUSY = """
(() => {
  navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("Could not start", "NotReadableError"));
})();
"""


def test_a_busy_camera_and_microphone_are_named_in_one_correct_sentence(tmp_path, people, customer, expert):
    booking = make_booking(customer=customer, expert=expert)
    with uvicorn_server(tmp_path, database_url_for_server(tmp_path)) as base:
        page = open_room(people(), base, customer, booking, init_script=CAMERA_BUSY)
        expect(page.locator("#device-note")).to_have_text(
            "Your camera and microphone are in use by another app or could not be started. Close the other app"
            " and reload this page. You can still join and listen: Dr. Sarah Khan will not see or hear you.")


def test_a_client_without_a_name_is_your_client_and_a_sentence_still_starts_with_a_capital(tmp_path, people, customer,
                                                                                          expert):
    customer.name = ""
    customer.save(update_fields=["name"])
    booking = make_booking(customer=customer, expert=expert)
    with uvicorn_server(tmp_path, database_url_for_server(tmp_path)) as base:
        page = open_room(people(), base, expert.user, booking)
        expect(page.get_by_role("heading", name="Session with your client")).to_be_visible()
        expect(status(page)).to_have_text("Check your camera and microphone, then join. Your client sees when you are in.")
