"""The Jitsi provider: the booking's room on JITSI_DOMAIN, entered with a JWT per participant
(Prosody's token authentication: iss = app id, aud "jitsi", sub = domain, room = the room name)."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote, urlsplit

import jwt
from django.conf import settings

from serene.bookings.join import join_window

from .selectors import RoomSeat


def jitsi_token(*, seat: RoomSeat, room: str, user) -> str:
    window = join_window(seat.booking)
    claims = {
        "iss": settings.JITSI_APP_ID, "aud": "jitsi", "sub": settings.JITSI_DOMAIN, "room": room,
        "nbf": int((window.opens_at - timedelta(minutes=1)).timestamp()),
        "exp": int(window.closes_at.timestamp()),
        "context": {"user": {"id": str(user.pk), "name": user.name or user.email, "email": user.email,
                             "avatar": "", "moderator": "true" if seat.role == "expert" else "false"}},
    }
    return jwt.encode(claims, settings.JITSI_APP_SECRET, algorithm="HS256")


def jitsi_room_url(*, seat: RoomSeat, room: str, user) -> str:
    room = f"serene-{room.lower()}"  # Jitsi lower-cases room names; the token must name the same one
    return f"{jitsi_base_url()}/{quote(room)}?jwt={jitsi_token(seat=seat, room=room, user=user)}"


def jitsi_base_url() -> str:
    """JITSI_URL, which is https://JITSI_DOMAIN unless set otherwise."""
    return settings.JITSI_URL or f"https://{settings.JITSI_DOMAIN}"


def jitsi_origin() -> str:
    """The scheme and host the room page's reachability check talks to (its CSP connect-src)."""
    parts = urlsplit(jitsi_base_url())
    return f"{parts.scheme}://{parts.netloc}"
