"""The room's signalling socket, through the real ASGI stack (origin check, session auth, routing):
who is let in, and that every message reaches the other participant and no one else."""
from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.security.websocket import AllowedHostsOriginValidator
from channels.testing import WebsocketCommunicator
from django.db import connections

from serene.asgi import application
from serene.bookings.models import BookingStatus
from serene.notifications.models import Message
from serene.video.models import RoomVisit
from serene.video.room_end import room_group
from tests.factories import ExpertFactory, UserFactory

from .conftest import make_booking, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://testserver"
OFFER = {"type": "offer", "description": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}
ANSWER = {"type": "answer", "description": {"type": "answer", "sdp": "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n"}}
CANDIDATE = {"type": "ice", "candidate": {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
                                          "sdpMid": "0", "sdpMLineIndex": 0}}


def socket_for(booking, user=None, *, app=application, origin=ORIGIN, query="") -> WebsocketCommunicator:
    headers = [(b"origin", origin)]
    if user is not None:
        headers.append((b"cookie", f"sessionid={session_cookie(user)}".encode()))
    return WebsocketCommunicator(app, f"/ws/sessions/{booking.public_id}/room/{query}", headers=headers)


def run(scenario):
    """Runs the async scenario in a thread of its own: the browser tests' Playwright keeps an event
    loop running in the main thread, where async_to_sync refuses to start another."""
    outcome = {}

    def target():
        try:
            outcome["value"] = async_to_sync(scenario)()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the websocket scenario did not finish in 120 s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def refused(communicator) -> tuple[bool, int | None]:
    async def scenario():
        connected, code = await communicator.connect(timeout=5)
        if connected:
            await communicator.disconnect()
        return connected, code
    return run(scenario)


def test_an_anonymous_visitor_is_refused(booking_now):
    assert refused(socket_for(booking_now)) == (False, 4403)


def test_a_stranger_and_staff_are_refused(booking_now):
    assert refused(socket_for(booking_now, UserFactory())) == (False, 4403)
    assert refused(socket_for(booking_now, UserFactory(is_staff=True, is_superuser=True))) == (False, 4403)
    assert refused(socket_for(booking_now, ExpertFactory().user)) == (False, 4403)


def test_a_participant_is_refused_before_the_window_and_told_after_it(customer, expert, settings):
    settings.SESSION_JOIN_OPENS_MINUTES = 10
    settings.SESSION_JOIN_GRACE_MINUTES = 10
    early = make_booking(customer=customer, expert=expert, starts_in=timedelta(minutes=11))
    late = make_booking(customer=customer, expert=expert, starts_in=timedelta(minutes=-41), minutes=30)
    assert refused(socket_for(early, customer)) == (False, 4403)
    assert refused(socket_for(early, expert.user)) == (False, 4403)
    assert refused(socket_for(late, UserFactory())) == (False, 4403)

    # After the window a participant is told the room has closed (a page that lost its socket at the
    # end would otherwise take the refusal for a network problem and keep trying).
    communicator = socket_for(late, customer)

    async def scenario():
        assert (await communicator.connect(timeout=5))[0]
        return await communicator.receive_json_from(timeout=5), await communicator.receive_output(timeout=5)

    assert run(scenario) == ({"type": "closed"}, {"type": "websocket.close", "code": 4410})
    assert not RoomVisit.objects.filter(booking=late).exists()
    other = UserFactory()  # the first customer's session in 11 minutes overlaps: one session at a time
    nearly = make_booking(customer=other, expert=ExpertFactory(), starts_in=timedelta(minutes=9, seconds=50))
    assert refused(socket_for(nearly, other)) == (True, None)


@pytest.mark.parametrize(("status", "words"), [
    (BookingStatus.CANCELLED, "This session was cancelled, so the call has ended."),
    (BookingStatus.AWAITING_APPROVAL, "This session is awaiting approval, so there is no call."),
    (BookingStatus.PENDING, "This session is pending payment, so there is no call."),
])
def test_a_session_that_is_not_going_ahead_has_no_call(customer, expert, status, words):
    """Its participants are told why and closed for good (a refused handshake would look like a
    dropped network to the page, which would keep trying); anyone else is refused."""
    booking = make_booking(customer=customer, expert=expert, status=status)
    communicator = socket_for(booking, customer)

    async def scenario():
        assert (await communicator.connect(timeout=5))[0]
        told = await communicator.receive_json_from(timeout=5)
        closed = await communicator.receive_output(timeout=5)
        return told, closed

    told, closed = run(scenario)
    assert told == {"type": "ended", "status": status, "message": words}
    assert closed == {"type": "websocket.close", "code": 4411}
    assert not RoomVisit.objects.filter(booking=booking).exists()
    assert refused(socket_for(booking, UserFactory())) == (False, 4403)


def test_an_unknown_session_and_an_unknown_path_are_refused(customer, booking_now):
    async def scenario():
        unknown = WebsocketCommunicator(application, "/ws/sessions/not-a-uuid/room/",
                                        headers=[(b"origin", ORIGIN), (b"cookie", cookie)])
        other = WebsocketCommunicator(application, "/ws/elsewhere/", headers=[(b"origin", ORIGIN)])
        return await unknown.connect(timeout=5), await other.connect(timeout=5)
    cookie = f"sessionid={session_cookie(customer)}".encode()
    assert run(scenario) == ((False, 4403), (False, 4404))


def test_a_page_on_another_site_cannot_open_the_socket(booking_now, customer, settings):
    settings.ALLOWED_HOSTS = ["serene.example"]
    guarded = AllowedHostsOriginValidator(application)
    assert refused(socket_for(booking_now, customer, app=guarded, origin=b"https://evil.example"))[0] is False
    assert refused(socket_for(booking_now, customer, app=guarded, origin=b"https://serene.example"))[0] is True


def test_offer_answer_and_ice_reach_only_the_other_participant(booking_now, customer, expert):
    customer_socket = socket_for(booking_now, customer)
    expert_socket = socket_for(booking_now, expert.user)

    async def scenario():
        assert (await customer_socket.connect(timeout=5))[0]
        welcome = await customer_socket.receive_json_from(timeout=5)
        assert welcome["type"] == "welcome" and welcome["role"] == "customer" and welcome["polite"] is True
        assert welcome["peerName"] == "Dr. Sarah Khan"
        assert await customer_socket.receive_nothing(timeout=0.3)

        assert (await expert_socket.connect(timeout=5))[0]
        welcome = await expert_socket.receive_json_from(timeout=5)
        assert welcome["role"] == "expert" and welcome["polite"] is False and welcome["peerName"] == "Asha Verma"
        assert await customer_socket.receive_json_from(timeout=5) == {"type": "peer-joined"}
        assert await expert_socket.receive_json_from(timeout=5) == {"type": "peer-present"}

        await customer_socket.send_json_to({**OFFER, "extra": "dropped", "sender": "forged"})
        assert await expert_socket.receive_json_from(timeout=5) == OFFER
        await expert_socket.send_json_to(ANSWER)
        assert await customer_socket.receive_json_from(timeout=5) == ANSWER
        await expert_socket.send_json_to(CANDIDATE)
        assert await customer_socket.receive_json_from(timeout=5) == CANDIDATE
        await customer_socket.send_json_to({"type": "ice", "candidate": None})
        assert await expert_socket.receive_json_from(timeout=5) == {"type": "ice", "candidate": None}
        # Nobody hears their own messages back.
        assert await customer_socket.receive_nothing(timeout=0.3)
        assert await expert_socket.receive_nothing(timeout=0.3)

        # Anything else is answered to its sender only.
        for bad in ({"type": "chat", "text": "hi"}, {"type": "offer", "description": "sdp"},
                    {"type": "ice", "candidate": {"candidate": 5}}):
            await customer_socket.send_json_to(bad)
            assert (await customer_socket.receive_json_from(timeout=5))["type"] == "error"
        await customer_socket.send_to(text_data="not json")
        assert (await customer_socket.receive_json_from(timeout=5))["type"] == "error"
        await customer_socket.send_to(text_data='{"type": "offer", "description": {"sdp": "' + "x" * 70_000 + '"}}')
        assert (await customer_socket.receive_json_from(timeout=5))["type"] == "error"
        assert await expert_socket.receive_nothing(timeout=0.3)

        await expert_socket.send_json_to({"type": "bye"})
        assert await customer_socket.receive_json_from(timeout=5) == {"type": "peer-left", "hungUp": True}
        await expert_socket.disconnect()
        assert await customer_socket.receive_nothing(timeout=0.3)  # the close after a bye says nothing twice
        await customer_socket.disconnect()

    run(scenario)


def test_camera_and_microphone_states_reach_only_the_other_participant(booking_now, customer, expert):
    customer_socket = socket_for(booking_now, customer)
    expert_socket = socket_for(booking_now, expert.user)
    other = make_booking(customer=UserFactory(), expert=ExpertFactory())
    stranger_socket = socket_for(other, other.customer)

    async def scenario():
        for communicator in (customer_socket, expert_socket, stranger_socket):
            assert (await communicator.connect(timeout=5))[0]
            assert (await communicator.receive_json_from(timeout=5))["type"] == "welcome"
        assert await customer_socket.receive_json_from(timeout=5) == {"type": "peer-joined"}
        assert await expert_socket.receive_json_from(timeout=5) == {"type": "peer-present"}

        await customer_socket.send_json_to({"type": "media", "camera": False, "microphone": True,
                                            "name": "Someone else", "sender": "forged"})
        assert await expert_socket.receive_json_from(timeout=5) == {"type": "media", "camera": False,
                                                                    "microphone": True}
        assert await customer_socket.receive_nothing(timeout=0.3)  # not echoed

        # A malformed state is refused to its sender only, and the socket goes on working.
        for bad in ({"type": "media", "camera": "off", "microphone": True}, {"type": "media", "camera": False},
                    {"type": "media", "camera": 0, "microphone": 1}, {"type": "media"}):
            await customer_socket.send_json_to(bad)
            assert (await customer_socket.receive_json_from(timeout=5))["type"] == "error"
        assert await expert_socket.receive_nothing(timeout=0.3)
        await customer_socket.send_json_to({"type": "media", "camera": True, "microphone": False})
        assert await expert_socket.receive_json_from(timeout=5) == {"type": "media", "camera": True,
                                                                    "microphone": False}
        assert await stranger_socket.receive_nothing(timeout=0.3)  # another room hears nothing
        for communicator in (customer_socket, expert_socket, stranger_socket):
            await communicator.disconnect()

    run(scenario)


def test_each_side_hears_which_stay_in_the_call_the_other_is(booking_now, customer, expert):
    """The page's ?call= id comes with peer-joined and peer-present (a well-formed one only), so a
    socket that dropped and came back in the same stay keeps its media connection."""
    customer_socket = socket_for(booking_now, customer, query="?call=customer-call-1")
    expert_socket = socket_for(booking_now, expert.user, query="?call=expert-call-1")
    expert_again = socket_for(booking_now, expert.user, query="?call=expert-call-1")
    forged = socket_for(booking_now, expert.user, query="?call=<script>")

    async def scenario():
        assert (await customer_socket.connect(timeout=5))[0]
        assert (await customer_socket.receive_json_from(timeout=5))["type"] == "welcome"
        assert (await expert_socket.connect(timeout=5))[0]
        assert (await expert_socket.receive_json_from(timeout=5))["type"] == "welcome"
        assert await customer_socket.receive_json_from(timeout=5) == {"type": "peer-joined",
                                                                      "peerCall": "expert-call-1"}
        assert await expert_socket.receive_json_from(timeout=5) == {"type": "peer-present",
                                                                    "peerCall": "customer-call-1"}
        await expert_socket.disconnect()  # the network drops the expert's socket
        assert await customer_socket.receive_json_from(timeout=5) == {"type": "peer-left"}
        assert (await expert_again.connect(timeout=5))[0]
        assert (await expert_again.receive_json_from(timeout=5))["type"] == "welcome"
        assert await customer_socket.receive_json_from(timeout=5) == {"type": "peer-joined",
                                                                      "peerCall": "expert-call-1"}
        assert await expert_again.receive_json_from(timeout=5) == {"type": "peer-present",
                                                                   "peerCall": "customer-call-1"}
        assert (await forged.connect(timeout=5))[0]  # replaces expert_again; its id is not passed on
        assert (await forged.receive_json_from(timeout=5))["type"] == "welcome"
        assert await customer_socket.receive_json_from(timeout=5) == {"type": "peer-joined"}
        for communicator in (customer_socket, forged):
            await communicator.disconnect()

    run(scenario)


def test_another_booking_in_the_same_minutes_hears_nothing(booking_now, customer, expert):
    other = make_booking(customer=UserFactory(), expert=ExpertFactory())
    mine, theirs = socket_for(booking_now, customer), socket_for(other, other.customer)

    async def scenario():
        await mine.connect(timeout=5)
        await theirs.connect(timeout=5)
        await mine.receive_json_from(timeout=5)
        await theirs.receive_json_from(timeout=5)
        await mine.send_json_to(OFFER)
        assert await theirs.receive_nothing(timeout=0.5)
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario)


def test_opening_the_room_again_replaces_the_older_connection(booking_now, customer, expert):
    first, expert_socket = socket_for(booking_now, customer), socket_for(booking_now, expert.user)
    second = socket_for(booking_now, customer)

    async def scenario():
        await first.connect(timeout=5)
        await first.receive_json_from(timeout=5)
        await expert_socket.connect(timeout=5)
        await expert_socket.receive_json_from(timeout=5)
        assert await first.receive_json_from(timeout=5) == {"type": "peer-joined"}
        assert await expert_socket.receive_json_from(timeout=5) == {"type": "peer-present"}

        await second.connect(timeout=5)  # a refresh, or a second tab
        assert (await second.receive_json_from(timeout=5))["type"] == "welcome"
        assert await first.receive_json_from(timeout=5) == {"type": "replaced"}
        assert (await first.receive_output(timeout=5))["code"] == 4409
        assert await expert_socket.receive_json_from(timeout=5) == {"type": "peer-joined"}
        assert await second.receive_json_from(timeout=5) == {"type": "peer-present"}
        # The old connection's leaving is not the person leaving.
        assert await expert_socket.receive_nothing(timeout=0.5)

        await expert_socket.send_json_to(OFFER)
        assert await second.receive_json_from(timeout=5) == OFFER
        await second.send_json_to(ANSWER)
        assert await expert_socket.receive_json_from(timeout=5) == ANSWER
        await second.disconnect()
        assert await expert_socket.receive_json_from(timeout=5) == {"type": "peer-left"}
        await expert_socket.disconnect()

    run(scenario)


def test_joining_and_leaving_are_recorded_without_emails(booking_now, customer, expert):
    customer_socket, expert_socket = socket_for(booking_now, customer), socket_for(booking_now, expert.user)
    messages_before = Message.objects.count()

    async def scenario():
        await customer_socket.connect(timeout=5)
        await customer_socket.receive_json_from(timeout=5)
        await expert_socket.connect(timeout=5)
        await expert_socket.receive_json_from(timeout=5)
        await expert_socket.disconnect()
        await customer_socket.receive_json_from(timeout=5)
        await customer_socket.disconnect()

    run(scenario)
    visits = list(RoomVisit.objects.filter(booking=booking_now).order_by("joined_at", "id"))
    assert [(visit.role, visit.user_id) for visit in visits] == [("customer", customer.pk), ("expert", expert.user.pk)]
    assert all(visit.left_at is not None and visit.left_at >= visit.joined_at for visit in visits)
    assert Message.objects.count() == messages_before


def test_turn_credentials_come_with_the_welcome(booking_now, customer, settings):
    settings.ICE_SERVERS = [{"urls": "stun:stun.serene.example:3478"}]
    settings.TURN_URLS = ["turn:turn.serene.example:3478?transport=udp"]
    settings.TURN_SECRET = "shared-with-coturn"
    settings.TURN_CREDENTIAL_TTL = 600
    settings.ICE_TRANSPORT_POLICY = "relay"
    communicator = socket_for(booking_now, customer)

    async def scenario():
        await communicator.connect(timeout=5)
        welcome = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return welcome

    rtc = run(scenario)["rtc"]
    stun, turn = rtc["iceServers"]
    assert stun == {"urls": "stun:stun.serene.example:3478"} and rtc["iceTransportPolicy"] == "relay"
    expiry, user_id = turn["username"].split(":")
    assert user_id == str(customer.pk) and 590 <= int(expiry) - time.time() <= 600
    expected = base64.b64encode(hmac.new(b"shared-with-coturn", turn["username"].encode(), hashlib.sha1).digest())
    assert turn["credential"] == expected.decode() and turn["urls"] == settings.TURN_URLS


def test_the_room_closes_when_the_window_ends(customer, expert, settings):
    settings.SESSION_JOIN_GRACE_MINUTES = 0
    booking = make_booking(customer=customer, expert=expert, starts_in=timedelta(minutes=-30), minutes=30)
    booking.ends_at = booking.blocked_until = booking.ends_at + timedelta(seconds=2)
    booking.save()
    communicator = socket_for(booking, customer)

    async def scenario():
        assert (await communicator.connect(timeout=5))[0]
        await communicator.receive_json_from(timeout=5)
        assert await communicator.receive_json_from(timeout=10) == {"type": "closed"}
        assert (await communicator.receive_output(timeout=5))["code"] == 4410

    run(scenario)


def test_a_late_hello_from_an_older_connection_closes_nothing(booking_now, customer):
    """Two tabs opening at once each hear the other's hello: only the older of the two gives way."""
    from channels.layers import get_channel_layer
    communicator = socket_for(booking_now, customer)

    async def scenario():
        await communicator.connect(timeout=5)
        await communicator.receive_json_from(timeout=5)
        room = room_group(booking_id=booking_now.pk)
        layer = get_channel_layer()
        await layer.group_send(room, {"type": "room.hello", "sender": "older-tab", "role": "customer",
                                      "since": [time.time() - 60, "older-tab"]})
        assert await communicator.receive_nothing(timeout=0.5)
        await layer.group_send(room, {"type": "room.hello", "sender": "newer-tab", "role": "customer",
                                      "since": [time.time() + 60, "newer-tab"]})
        assert await communicator.receive_json_from(timeout=5) == {"type": "replaced"}
        assert (await communicator.receive_output(timeout=5))["code"] == 4409

    run(scenario)
