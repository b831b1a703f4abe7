"""A call ends when its booking does: once a move that takes the booking out of the joinable states
(cancelled, declined, marked a no-show...) has committed, every socket in the booking's room is told
in plain words and closed. The message goes to that booking's channel-layer group only."""
from __future__ import annotations

import asyncio
import threading
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from serene.bookings.join import JOINABLE_STATUSES
from serene.bookings.models import BookingStatus

# What a participant reads when the booking leaves the joinable states during the call.
ENDED_WORDS: dict[str, str] = {
    BookingStatus.CANCELLED: "This session was cancelled, so the call has ended.",
    BookingStatus.REJECTED: "This session was declined, so the call has ended.",
    BookingStatus.NO_SHOW: "This session was marked as a no-show, so the call has ended.",
    BookingStatus.EXPIRED: "This session's booking expired, so the call has ended.",
}


def room_group(*, booking_id: int) -> str:
    """The channel-layer group of every socket in the booking's room, in any web process (Redis).

    Named by the booking's key, so a move can reach it without reading the room's id."""
    return f"room.booking-{booking_id}"


def room_ended_words(*, status: str) -> str | None:
    """The words for a participant of a booking in `status`; None while its call may go on."""
    if status in JOINABLE_STATUSES:
        return None
    if status in ENDED_WORDS:
        return ENDED_WORDS[status]
    return f"This session is {BookingStatus(status).label.lower()}, so there is no call."


def room_end_when_booking_leaves_joinable(*, booking_id: int, from_status: str, to_status: str) -> None:
    """Called inside the move's transaction. The room hears of the move only once it has committed: a
    move rolled back ends no call. A failure to reach the channel layer is logged and never undoes
    the move (robust); the room's window end still closes the call."""
    if from_status not in JOINABLE_STATUSES or to_status in JOINABLE_STATUSES:
        return
    transaction.on_commit(partial(_tell_room, booking_id=booking_id, status=to_status), robust=True)


def _tell_room(*, booking_id: int, status: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    send = partial(async_to_sync(layer.group_send), room_group(booking_id=booking_id),
                   {"type": "room.ended", "status": status})
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: a request's or a task's thread, with no loop of its own
        send()
        return
    # Sync code running on an event loop's own thread (a shell, a test beside Playwright's loop):
    # async_to_sync refuses to run there, so the send goes through a thread of its own.
    thread = threading.Thread(target=send, name="room-end")
    thread.start()
    thread.join(timeout=10)
