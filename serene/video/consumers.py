"""The room's signalling: a websocket per participant, admitted only for the booking's customer and
expert inside the join window. Offers, answers and ICE candidates are relayed to the other
participant only; the media itself flows browser to browser.

All of a room's connections share one channel-layer group (so it works across web processes with
the Redis layer). Each role has at most one live connection: a newer one (a refresh, a second tab)
replaces the older, which is told and closed."""
from __future__ import annotations

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from serene.bookings.join import join_window

from .ice import rtc_configuration_for
from .selectors import room_seat_if_joinable
from .services import booking_room_id, room_visit_end, room_visit_start

logger = logging.getLogger(__name__)

CLOSE_NOT_ALLOWED = 4403
CLOSE_REPLACED = 4409
CLOSE_WINDOW_ENDED = 4410
SIGNAL_TYPES = frozenset({"offer", "answer", "ice"})
MAX_MESSAGE_CHARS = 64_000  # an SDP with many codecs is ~10 kB


@database_sync_to_async
def _admit(user, public_id: str) -> dict | None:
    seat = room_seat_if_joinable(user=user, public_id=public_id)
    if seat is None:
        return None
    booking = seat.booking
    return {"booking_id": booking.pk, "room": booking_room_id(booking=booking), "role": seat.role,
            "polite": seat.polite, "peer_name": seat.peer_name, "closes_at": join_window(booking).closes_at,
            "rtc": rtc_configuration_for(user_id=user.pk)}


def _clean_signal(content: dict) -> dict | None:
    """Only the fields a peer needs, of the expected shapes; None for anything else."""
    kind = content.get("type")
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


class RoomConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    visit_id: int | None = None
    peer_channel: str | None = None
    closer: asyncio.Task | None = None

    async def connect(self):
        user = self.scope.get("user")
        public_id = self.scope["url_route"]["kwargs"]["public_id"]
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        seat = await _admit(user, public_id)
        if seat is None:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.user_id = user.pk
        self.booking_id = seat["booking_id"]
        self.role = seat["role"]
        self.group = f"room.{seat['room']}"
        self.since = (time.time(), self.channel_name)  # which of two connections of one person is newer
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.visit_id = await database_sync_to_async(room_visit_start)(
            booking_id=self.booking_id, user_id=self.user_id, role=self.role)
        await self.send_json({"type": "welcome", "role": self.role, "polite": seat["polite"],
                              "peerName": seat["peer_name"], "closesAt": seat["closes_at"].isoformat(),
                              "rtc": seat["rtc"]})
        await self.channel_layer.group_send(self.group, {"type": "room.hello", "sender": self.channel_name,
                                                         "role": self.role, "since": list(self.since)})
        seconds_left = (seat["closes_at"] - timezone.now()).total_seconds()
        self.closer = asyncio.create_task(self._close_at_window_end(max(seconds_left, 0)))

    async def _close_at_window_end(self, seconds: float):
        await asyncio.sleep(seconds)
        try:
            await self.send_json({"type": "closed"})
            await self.close(code=CLOSE_WINDOW_ENDED)
        except Exception:  # the socket went meanwhile: nothing to close
            logger.debug("room socket already closed at the window's end", exc_info=True)

    async def disconnect(self, code):
        if self.closer is not None:
            self.closer.cancel()
        if self.group is None:
            return
        await self.channel_layer.group_send(self.group, {"type": "room.left", "sender": self.channel_name,
                                                         "role": self.role})
        await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.visit_id is not None:
            await database_sync_to_async(room_visit_end)(visit_id=self.visit_id)
        self.group = None

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "message": "Messages are JSON objects."})
            return
        if content.get("type") == "bye":  # hang-up: the peer hears it at once, before the socket closes
            await self.channel_layer.group_send(self.group, {"type": "room.left", "sender": self.channel_name,
                                                             "role": self.role})
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
        return event["sender"] != self.channel_name and event["role"] != self.role

    async def room_hello(self, event):
        if event["sender"] == self.channel_name:
            return
        if event["role"] == self.role:  # this person opened the room again elsewhere: the newer one wins
            if tuple(event["since"]) < self.since:
                return
            self.peer_channel = None
            await self.send_json({"type": "replaced"})
            await self.close(code=CLOSE_REPLACED)
            return
        self.peer_channel = event["sender"]
        await self.send_json({"type": "peer-joined"})
        await self.channel_layer.send(event["sender"], {"type": "room.here", "sender": self.channel_name,
                                                        "role": self.role})

    async def room_here(self, event):
        if not self._from_peer(event):
            return
        self.peer_channel = event["sender"]
        await self.send_json({"type": "peer-present"})

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
        await self.send_json({"type": "peer-left"})
