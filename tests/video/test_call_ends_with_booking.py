"""A call ends when its booking does: a move out of the joinable states, made through the real
services, closes both participants' sockets with a message saying why, once it has committed, and
tells no other room. Also when the move lands while a participant is connecting, and across the Procfile's processes
sharing Redis."""
from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
import requests
from channels.db import database_sync_to_async
from django.db import transaction

from serene.bookings.models import Booking, BookingStatus
from serene.bookings.moves import booking_cancel, booking_mark_no_show
from serene.payments.cancellations import booking_cancel_with_refund
from serene.video.models import RoomVisit
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at
from tests.procfile import free_port, start_process, stop_process
from tests.servers import wait_until_serving

from .conftest import make_booking, session_cookie
from .live import _server_env, database_url_for_server, machine_clock, redis_or_unavailable
from .test_room_consumer import OFFER, run, socket_for

pytestmark = pytest.mark.django_db(transaction=True)

CANCELLED = {"type": "ended", "status": "cancelled", "message": "This session was cancelled, so the call has ended."}
CLOSED_FOR_GOOD = {"type": "websocket.close", "code": 4411}


async def enter(*sockets):
    """Connect each socket in turn and read what it hears on the way in (welcome, the other's arrival)."""
    for index, communicator in enumerate(sockets):
        assert (await communicator.connect(timeout=5))[0]
        assert (await communicator.receive_json_from(timeout=5))["type"] == "welcome"
        if index == 1:
            assert await sockets[0].receive_json_from(timeout=5) == {"type": "peer-joined"}
            assert await communicator.receive_json_from(timeout=5) == {"type": "peer-present"}


async def told_and_closed(communicator) -> tuple[dict, dict]:
    """What the server said, then its close; then the disconnect a real server reports after a close."""
    told, closed = await communicator.receive_json_from(timeout=5), await communicator.receive_output(timeout=5)
    await communicator.disconnect(code=closed.get("code", 1000))
    return told, closed


def test_cancelling_mid_call_ends_both_sides_and_no_other_room(booking_now, customer, expert):
    other = make_booking(customer=UserFactory(), expert=ExpertFactory())  # the same minutes, another room
    customer_socket, expert_socket = socket_for(booking_now, customer), socket_for(booking_now, expert.user)
    theirs = socket_for(other, other.customer)

    async def scenario():
        await enter(theirs)
        await enter(customer_socket, expert_socket)
        await database_sync_to_async(booking_cancel_with_refund)(booking_id=booking_now.pk, by=expert.user,
                                                                 reason="I am unwell today.")
        endings = [await told_and_closed(customer_socket), await told_and_closed(expert_socket)]
        assert await theirs.receive_nothing(timeout=0.5)  # neither the words nor the close
        await theirs.send_json_to(OFFER)  # and their room still works
        assert await theirs.receive_nothing(timeout=0.3)
        await theirs.disconnect()
        return endings

    assert run(scenario) == [(CANCELLED, CLOSED_FOR_GOOD), (CANCELLED, CLOSED_FOR_GOOD)]
    assert Booking.objects.get(pk=booking_now.pk).status == BookingStatus.CANCELLED
    visits = RoomVisit.objects.filter(booking=booking_now)
    assert visits.count() == 2 and not visits.filter(left_at__isnull=True).exists()


def test_coming_back_after_the_cancellation_is_told_at_once(booking_now, customer, expert):
    """A page whose socket dropped during the cancellation reconnects and hears why, rather than
    being refused (which the page would take for a network problem and retry)."""
    booking_cancel(booking_id=booking_now.pk, by=customer)
    communicator = socket_for(booking_now, expert.user)

    async def scenario():
        assert (await communicator.connect(timeout=5))[0]
        return await told_and_closed(communicator)

    assert run(scenario) == (CANCELLED, CLOSED_FOR_GOOD)
    assert not RoomVisit.objects.filter(booking=booking_now).exists()


def test_a_no_show_ends_the_call_in_its_own_words(customer, expert):
    started = make_booking(customer=customer, expert=expert, starts_in=timedelta(minutes=-5))
    customer_socket, expert_socket = socket_for(started, customer), socket_for(started, expert.user)
    no_show = {"type": "ended", "status": "no-show",
               "message": "This session was marked as a no-show, so the call has ended."}

    async def scenario():
        await enter(customer_socket, expert_socket)
        await database_sync_to_async(booking_mark_no_show)(booking_id=started.pk, by=expert.user)
        return [await told_and_closed(customer_socket), await told_and_closed(expert_socket)]

    assert run(scenario) == [(no_show, CLOSED_FOR_GOOD), (no_show, CLOSED_FOR_GOOD)]


def test_a_move_rolled_back_ends_nothing(booking_now, customer, expert):
    customer_socket, expert_socket = socket_for(booking_now, customer), socket_for(booking_now, expert.user)

    class Undone(Exception):
        pass

    def cancel_then_fail():
        with pytest.raises(Undone), transaction.atomic():
            booking_cancel(booking_id=booking_now.pk, by=customer)
            raise Undone

    async def scenario():
        await enter(customer_socket, expert_socket)
        await database_sync_to_async(cancel_then_fail)()
        assert await customer_socket.receive_nothing(timeout=0.5)
        assert await expert_socket.receive_nothing(timeout=0.1)
        await customer_socket.send_json_to(OFFER)  # the call goes on
        assert await expert_socket.receive_json_from(timeout=5) == OFFER
        await customer_socket.disconnect()
        await expert_socket.disconnect()

    run(scenario)
    assert Booking.objects.get(pk=booking_now.pk).status == BookingStatus.CONFIRMED


def test_a_cancel_committed_while_a_participant_connects_still_ends_that_socket(booking_now, customer):
    """The connecting socket has passed its admission check but is not in the room's group yet, so the
    cancellation's message cannot reach it: it must find the cancellation itself."""
    communicator = socket_for(booking_now, customer)

    async def connect_and_listen():
        assert (await communicator.connect(timeout=30))[0]
        return await told_and_closed(communicator)

    with paused_at("serene.video.consumers._admit", when="after") as pause:
        connecting = pause.run(lambda: run(connect_and_listen))
        cancelling = pause.run_rival(lambda: booking_cancel_with_refund(booking_id=booking_now.pk, by=customer))
        assert cancelling.result().status == BookingStatus.CANCELLED  # committed while the other waits
        pause.release()
    assert connecting.result() == (CANCELLED, CLOSED_FOR_GOOD)
    assert not RoomVisit.objects.filter(booking=booking_now).exists()


def _signed_in(base: str, cookie: str) -> requests.Session:
    session = requests.Session()
    session.cookies.set("sessionid", cookie)
    token = session.get(f"{base}/api/v1/auth/csrf", timeout=10).json()["csrfToken"]
    session.headers.update({"X-CSRFToken": token, "Referer": f"{base}/"})
    return session


def _listen(base: str, booking: Booking, cookie: str):
    from websockets.sync.client import connect
    return connect(f"ws{base.removeprefix('http')}/ws/sessions/{booking.public_id}/room/",
                   additional_headers={"Cookie": f"sessionid={cookie}", "Origin": base}, open_timeout=10)


def test_a_cancel_in_the_web_process_ends_the_call_in_two_ws_processes_through_redis(tmp_path, customer, expert):
    """As the Procfile serves it: HTTP in the `web` process (granian, WSGI), websockets in `ws`
    processes, Redis between them. The customer's socket is on one ws process, the expert's on
    another; the expert cancels through the web process's API."""
    redis_url = redis_or_unavailable()
    with machine_clock():
        booking = make_booking(customer=customer, expert=expert, starts_in=timedelta(minutes=9))
    customer_cookie, expert_cookie = session_cookie(customer), session_cookie(expert.user)
    ports = {name: free_port() for name in ("web", "ws-1", "ws-2")}
    env = _server_env(database_url_for_server(tmp_path), {  # after the sign-ins: SQLite copies the data
        "REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": f"serene-test-{secrets.token_hex(4)}", "HOST": "127.0.0.1"})
    servers = {"web": start_process("web", {**env, "PORT": str(ports["web"])}, tmp_path / "web.log")}
    for name in ("ws-1", "ws-2"):
        servers[name] = start_process("ws", {**env, "WS_PORT": str(ports[name])}, tmp_path / f"{name}.log")
    bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        for name, server in servers.items():
            wait_until_serving(bases[name], server, seconds=120, what=name, log=tmp_path / f"{name}.log",
                               request_timeout=30)
        with _listen(bases["ws-1"], booking, customer_cookie) as customer_socket, \
                _listen(bases["ws-2"], booking, expert_cookie) as expert_socket:
            assert json.loads(customer_socket.recv(timeout=10))["type"] == "welcome"
            assert json.loads(expert_socket.recv(timeout=10))["type"] == "welcome"
            assert json.loads(customer_socket.recv(timeout=10)) == {"type": "peer-joined"}  # through Redis
            web = bases["web"]
            answer = _signed_in(web, expert_cookie).post(f"{web}/api/v1/sessions/{booking.public_id}/cancel",
                                                         json={"reason": "I am unwell today."}, timeout=30)
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == "cancelled"
            expert_heard = [json.loads(message) for message in _until_closed(expert_socket)]
            customer_heard = [json.loads(message) for message in _until_closed(customer_socket)]
            assert expert_heard[-1] == CANCELLED and customer_heard[-1] == CANCELLED
            assert expert_socket.close_code == 4411 and customer_socket.close_code == 4411
    finally:
        for server in servers.values():
            stop_process(server)


def _until_closed(socket) -> list[str]:
    """Every message until the server closes the socket (an expert's peer-present may come first)."""
    from websockets.exceptions import ConnectionClosed
    heard = []
    try:
        while True:
            heard.append(socket.recv(timeout=10))
    except ConnectionClosed:
        return heard
