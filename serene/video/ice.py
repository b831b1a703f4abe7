"""The ICE servers a participant's browser is given: STUN/TURN from settings, plus coturn's
time-limited TURN credentials (its "TURN REST API": use-auth-secret with static-auth-secret)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.conf import settings


def turn_credentials(*, user_id: int | str, secret: str, ttl_seconds: int, now: float | None = None) -> dict:
    """Username "expiry:user id" (coturn accepts it until the expiry), password base64(HMAC-SHA1(secret, username))."""
    expiry = int(now if now is not None else time.time()) + ttl_seconds
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return {"username": username, "credential": base64.b64encode(digest).decode()}


def ice_servers_for(*, user_id: int | str) -> list[dict]:
    servers = [dict(server) for server in settings.ICE_SERVERS]
    if settings.TURN_URLS:
        turn = {"urls": list(settings.TURN_URLS)}
        if settings.TURN_SECRET:
            turn.update(turn_credentials(user_id=user_id, secret=settings.TURN_SECRET,
                                         ttl_seconds=settings.TURN_CREDENTIAL_TTL))
        servers.append(turn)
    return servers


def rtc_configuration_for(*, user_id: int | str) -> dict:
    """What the page passes to new RTCPeerConnection()."""
    return {"iceServers": ice_servers_for(user_id=user_id), "iceTransportPolicy": settings.ICE_TRANSPORT_POLICY}
