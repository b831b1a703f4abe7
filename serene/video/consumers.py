"""The room's signalling: a websocket per participant, admitted only for the booking's customer and
expert inside the join window. Offers, answers and ICE candidates are relayed to the other
participant only, and so is each side's camera and microphone state (on or off); the media itself
flows browser to browser.

All of a room's connections share one channel-layer group (so it works across web processes with
the Redis layer). Each role has at most one live connection: a newer one (a refresh, a second tab)
replaces the older, which is told and closed. When the booking leaves the joinable states (cancelled
mid-call, say), room_end.py tells the group and every socket says why and closes; so does the
window's end."""
from __future__ import annotations

import asyncio
import logging
import re
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from serene.bookings.join import join_window
from serene.core.errors import NotFound

from .ice import rtc_configuration_for
from .room_end import room_ended_words, room_group
from .selectors import room_booking_status, room_seat_for
from .services import room_visit_end, room_visit_start

logger = logging.getLogger(__name__)

CLOSE_NOT_ALLOWED = 4403
CLOSE_REPLACED = 4409
CLOSE_WINDOW_ENDED = 4410
CLOSE_BOOKING_ENDED = 4411  # the booking left the joinable states: the page says why and stays closed
SIGNAL_TYPES = frozenset({"offer", "answer", "ice", "media"})
MAX_MESSAGE_CHARS = 64_000  # an SDP with many codecs is ~10 kB
# The page names its stay in the call (from Join to Hang up) in the socket's query string, ?call=<id>.
# The other side hears it with peer-joined / peer-present: the same id after a dropped socket means
# the person's media connection is still the same, so both keep it instead of starting afresh.
CALL_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _call_id(query_string: bytes) -> str | None:
    values = parse_qs(query_string.decode("latin-1")).get("call", [])
    return values[0] if len(values) == 1 and CALL_ID.fullmatch(values[0]) else None


def _admit(user, public_id: str) -> dict | None:
    """What the socket needs to join the room. A participant whose booking has left the joinable
    states gets {"ended": status}, and one after the window {"window_over": True}: told why, not
    refused (a refused handshake looks like a dropped network to the page, which would keep trying).
    None for anyone else, and before the window."""
    try:
        seat = room_seat_for(user=user, public_id=public_id)
    except NotFound:
        return None
    booking = seat.booking
    if room_ended_words(status=booking.status) is not None:
        return {"ended": booking.status}
    window = join_window(booking)
    if window.state() == "closed":
        return {"window_over": True}
    if window.state() != "open":
        return None
    return {"booking_id": booking.pk, "role": seat.role, "polite": seat.polite, "peer_name": seat.peer_name,
            "closes_at": window.closes_at, "rtc": rtc_configuration_for(user_id=user.pk)}


def _clean_signal(content: dict) -> dict | None:
    """Only the fields a peer needs, of the expected shapes; None for anything else."""
    kind = content.get("type")
    if kind == "media":  # the sender's camera and microphone turned on or off
        camera, microphone = content.get("camera"), content.get("microphone")
        if isinstance(camera, bool) and isinstance(microphone, bool):
            return {"type": "media", "camera": camera, "microphone": microphone}
        return None
    if kind in {"offer", "answer"}:
        description = content.get("description")
        if (isinstance(description, dict) and description.get("type") in {"offer", "answer", "pranswer", "rollback"}
                and isinstance(description.get("sdp", ""), str)):
            return {"type": kind, "description": {"type": description["type"], "sdp": description.get("sdp", "")}}
        return None
    if kind == "ice":
        candidate = content.get("candidate")
        if candidate is None:
            return {"type": "ice", "candidate": None}
        if isinstance(candidate, dict) and isinstance(candidate.get("candidate", ""), str):
            cleaned = {"candidate": candidate.get("candidate", "")}
            for key in ("sdpMid", "usernameFragment"):
                if isinstance(candidate.get(key), str):
                    cleaned[key] = candidate[key]
            if isinstance(candidate.get("sdpMLineIndex"), int):
                cleaned["sdpMLineIndex"] = candidate["sdpMLineIndex"]
            return {"type": "ice", "candidate": cleaned}
    return None


def _with_call(message: dict, call_id: str | None) -> dict:
    return {**message, "peerCall": call_id} if call_id else message


class RoomConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    visit_id: int | None = None
    call_id: str | None = None
    peer_channel: str | None = None
    closer: asyncio.Task | None = None
    ended = False

    async def connect(self):
        user = self.scope.get("user")
        public_id = self.scope["url_route"]["kwargs"]["public_id"]
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        seat = await database_sync_to_async(_admit)(user, public_id)
        if seat is None:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        if "ended" in seat:
            await self.accept()
            await self._end(status=seat["ended"])
            return
        if "window_over" in seat:
            await self.accept()
            await self._close_at_window_end(0)
            return
        self.user_id = user.pk
        self.booking_id = seat["booking_id"]
        self.role = seat["role"]
        self.call_id = _call_id(self.scope.get("query_string", b""))
        self.group = room_group(booking_id=self.booking_id)
        self.since = (time.time(), self.channel_name)  # which of two connections of one person is newer
        await self.channel_layer.group_add(self.group, self.channel_name)
        # A move committed after the admission above told a group this socket was not in yet. Any
        # later one reaches it now, so one more read of the status leaves no gap between the two.
        status = await database_sync_to_async(room_booking_status)(booking_id=self.booking_id)
        if status is None:  # deleted meanwhile
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        await self.accept()
        if room_ended_words(status=status) is not None:
            await self._end(status=status)
            return
        self.visit_id = await database_sync_to_async(room_visit_start)(
            booking_id=self.booking_id, user_id=self.user_id, role=self.role)
        await self.send_json({"type": "welcome", "role": self.role, "polite": seat["polite"],
                              "peerName": seat["peer_name"], "closesAt": seat["closes_at"].isoformat(),
                              "rtc": seat["rtc"]})
        await self.channel_layer.group_send(self.group, {"type": "room.hello", "sender": self.channel_name,
                                                         "role": self.role, "since": list(self.since),
                                                         "call": self.call_id})
        seconds_left = (seat["closes_at"] - timezone.now()).total_seconds()
        self.closer = asyncio.create_task(self._close_at_window_end(max(seconds_left, 0)))

    async def _close_at_window_end(self, seconds: float):
        await asyncio.sleep(seconds)
        if self.ended:
            return
        self.ended = True
        try:
            await self.send_json({"type": "closed"})
            await self.close(code=CLOSE_WINDOW_ENDED)
        except Exception:  # the socket went meanwhile: nothing to close
            logger.debug("room socket already closed at the window's end", exc_info=True)

    async def _end(self, *, status: str):
        """The booking left the joinable states: say so in plain words, then close for good."""
        if self.ended:
            return
        self.ended = True
        if self.closer is not None:
            self.closer.cancel()
        await self.send_json({"type": "ended", "status": status, "message": room_ended_words(status=status)})
        await self.close(code=CLOSE_BOOKING_ENDED)

    async def disconnect(self, code):
        if self.closer is not None:
            self.closer.cancel()
        if self.group is None:
            return
        if not self.ended:  # when the booking ended, each side is told that, not that the other left
            await self.channel_layer.group_send(self.group, {"type": "room.left", "sender": self.channel_name,
                                                             "role": self.role})
        await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.visit_id is not None:
            await database_sync_to_async(room_visit_end)(visit_id=self.visit_id)
        self.group = None

    async def receive_json(self, content, **kwargs):
        if self.ended:
            return
        if self.group is None:  # connect() joins the group before it accepts: no message comes first
            raise RuntimeError("a message arrived on a room socket that has not joined its room's group")
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "message": "Messages are JSON objects."})
            return
        if content.get("type") == "bye":  # hang-up: the peer hears it at once, before the socket closes
            await self.channel_layer.group_send(self.group, {"type": "room.left", "sender": self.channel_name,
                                                             "role": self.role, "hung_up": True})
            return
        signal = _clean_signal(content) if content.get("type") in SIGNAL_TYPES else None
        if signal is None:
            await self.send_json({"type": "error", "message": "Unknown or malformed message."})
            return
        await self.channel_layer.group_send(self.group, {"type": "room.signal", "sender": self.channel_name,
                                                         "role": self.role, "message": signal})

    @classmethod
    async def decode_json(cls, text_data):
        if len(text_data) > MAX_MESSAGE_CHARS:
            return None
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None

    # --- group events --------------------------------------------------------------------------

    def _from_peer(self, event) -> bool:
        return not self.ended and event["sender"] != self.channel_name and event["role"] != self.role

    async def room_ended(self, event):
        """Sent by room_end.py once a move out of the joinable states has committed."""
        await self._end(status=event["status"])

    async def room_hello(self, event):
        if self.ended or event["sender"] == self.channel_name:
            return
        if event["role"] == self.role:  # this person opened the room again elsewhere: the newer one wins
            if tuple(event["since"]) < self.since:
                return
            self.peer_channel = None
            await self.send_json({"type": "replaced"})
            await self.close(code=CLOSE_REPLACED)
            return
        self.peer_channel = event["sender"]
        await self.send_json(_with_call({"type": "peer-joined"}, event.get("call")))
        await self.channel_layer.send(event["sender"], {"type": "room.here", "sender": self.channel_name,
                                                        "role": self.role, "call": self.call_id})

    async def room_here(self, event):
        if not self._from_peer(event):
            return
        self.peer_channel = event["sender"]
        await self.send_json(_with_call({"type": "peer-present"}, event.get("call")))

    async def room_signal(self, event):
        if not self._from_peer(event):
            return
        if self.peer_channel is None:
            self.peer_channel = event["sender"]
        elif event["sender"] != self.peer_channel:
            return  # from the peer's replaced connection: stale
        await self.send_json(event["message"])

    async def room_left(self, event):
        if not self._from_peer(event) or event["sender"] != self.peer_channel:
            return
        self.peer_channel = None
        # A hang-up ends their media connection; a dropped socket may not (the page keeps it a while).
        await self.send_json({"type": "peer-left", "hungUp": True} if event.get("hung_up") else {"type": "peer-left"})
