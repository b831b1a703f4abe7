"""Video: the session room (the built-in one-to-one WebRTC call, whose signalling Channels relays,
or Jitsi), when it opens, its STUN/TURN servers, and the channel layer between processes."""
from __future__ import annotations

import json
from typing import Any

from serene.settings.env import env, refuse_to_start

VIDEO_PROVIDER = env.str("VIDEO_PROVIDER", "builtin").strip().lower() or "builtin"
if VIDEO_PROVIDER not in {"builtin", "jitsi"}:
    refuse_to_start(f"VIDEO_PROVIDER is {VIDEO_PROVIDER!r}.", "Set VIDEO_PROVIDER to builtin or jitsi.")
# The session's room (and the "Join session" button) opens this many minutes before the start and
# closes this many minutes after the end.
SESSION_JOIN_OPENS_MINUTES = env.int("SESSION_JOIN_OPENS_MINUTES", 10)
SESSION_JOIN_GRACE_MINUTES = env.int("SESSION_JOIN_GRACE_MINUTES", 10)


def _ice_servers(raw: str) -> list[dict[str, Any]]:
    if not raw:
        return []
    try:
        servers = json.loads(raw)
    except ValueError:
        servers = None
    if not isinstance(servers, list) or not all(isinstance(server, dict) and server.get("urls") for server in servers):
        refuse_to_start("ICE_SERVERS is not a JSON list of ICE servers.",
                        'Example: ICE_SERVERS=\'[{"urls": "stun:stun.example.com:3478"}]\'')
    return servers


# STUN (and static TURN) servers handed to browsers as RTCPeerConnection's iceServers.
ICE_SERVERS = _ice_servers(env.str("ICE_SERVERS", "").strip())
# "relay" sends every call through TURN (hides people's addresses from each other); "all" lets them
# connect directly when they can.
ICE_TRANSPORT_POLICY = env.str("ICE_TRANSPORT_POLICY", "all").strip().lower() or "all"
if ICE_TRANSPORT_POLICY not in {"all", "relay"}:
    refuse_to_start(f"ICE_TRANSPORT_POLICY is {ICE_TRANSPORT_POLICY!r}.", "Set it to all or relay.")
# coturn's TURN REST credentials (use-auth-secret / static-auth-secret): with a secret, each person
# gets a username "expiry:user id" and an HMAC-SHA1 password valid TURN_CREDENTIAL_TTL seconds.
TURN_SECRET = env.str("TURN_SECRET", "")
TURN_URLS = env.list("TURN_URLS", default=[])
TURN_CREDENTIAL_TTL = env.int("TURN_CREDENTIAL_TTL", 3600)
if TURN_SECRET and not TURN_URLS:
    refuse_to_start("TURN_SECRET is set without TURN_URLS.",
                    "Set TURN_URLS, e.g. turn:turn.example.com:3478?transport=udp,turns:turn.example.com:5349")
if ICE_TRANSPORT_POLICY == "relay" and not TURN_URLS and not ICE_SERVERS:
    refuse_to_start("ICE_TRANSPORT_POLICY is relay but no TURN server is set.", "Set TURN_URLS and TURN_SECRET.")
# Jitsi: a room URL on JITSI_DOMAIN with a JWT (HS256, JITSI_APP_SECRET) for each participant.
JITSI_DOMAIN = env.str("JITSI_DOMAIN", "").strip().strip("/")
JITSI_APP_ID = env.str("JITSI_APP_ID", "")
JITSI_APP_SECRET = env.str("JITSI_APP_SECRET", "")
if VIDEO_PROVIDER == "jitsi" and not (JITSI_DOMAIN and JITSI_APP_ID and JITSI_APP_SECRET):
    refuse_to_start("VIDEO_PROVIDER is jitsi but JITSI_DOMAIN, JITSI_APP_ID or JITSI_APP_SECRET is missing.",
                    "Set all three (the app id and secret are Prosody's token authentication settings).")
# Where browsers reach Jitsi Meet: https://JITSI_DOMAIN unless set (another port, or a local stand-in
# in tests). The room page checks it answers before sending people there.
JITSI_URL = env.str("JITSI_URL", "").strip().rstrip("/") or (f"https://{JITSI_DOMAIN}" if JITSI_DOMAIN else "")
if JITSI_URL and not JITSI_URL.startswith(("https://", "http://")):
    refuse_to_start(f"JITSI_URL is {JITSI_URL!r}.", "Set it to the Jitsi Meet address, e.g. https://meet.example.com")

# The Channels layer carries a call's messages between processes: Redis when REDIS_URL is set, else in
# memory (one process only). The Procfile's `web` and `ws` processes refuse to start without Redis
# (serene/core/serving.py): HTTP and websockets are served apart there.
REDIS_URL = env.str("REDIS_URL", "").strip()
if REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                  "CONFIG": {"hosts": [REDIS_URL], "prefix": env.str("CHANNEL_LAYER_PREFIX", "serene")}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
