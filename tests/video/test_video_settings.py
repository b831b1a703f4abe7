"""Start-up refuses video settings that could not work, with a message saying what to set; a good
set builds the Redis layer and the ICE configuration browsers get."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VIDEO_ENV = {"VIDEO_PROVIDER", "ICE_SERVERS", "ICE_TRANSPORT_POLICY", "TURN_SECRET", "TURN_URLS", "TURN_CREDENTIAL_TTL",
             "JITSI_DOMAIN", "JITSI_APP_ID", "JITSI_APP_SECRET", "JITSI_URL", "REDIS_URL", "CHANNEL_LAYER_PREFIX"}


def _start(env_overrides: dict, code: str = "print('started')") -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in VIDEO_ENV | {"DEBUG", "DATABASE_URL"}}
    env.update({"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "serene.settings", **env_overrides})
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("env, message", [
    ({"VIDEO_PROVIDER": "zoom"}, "VIDEO_PROVIDER is 'zoom'."),
    ({"ICE_SERVERS": "stun:stun.example.com"}, "ICE_SERVERS is not a JSON list of ICE servers."),
    ({"ICE_SERVERS": '[{"url": "stun:x"}]'}, "ICE_SERVERS is not a JSON list of ICE servers."),
    ({"TURN_SECRET": "s3cret"}, "TURN_SECRET is set without TURN_URLS."),
    ({"ICE_TRANSPORT_POLICY": "relay"}, "ICE_TRANSPORT_POLICY is relay but no TURN server is set."),
    ({"ICE_TRANSPORT_POLICY": "sometimes"}, "ICE_TRANSPORT_POLICY is 'sometimes'."),
    ({"VIDEO_PROVIDER": "jitsi", "JITSI_DOMAIN": "meet.example.com"},
     "VIDEO_PROVIDER is jitsi but JITSI_DOMAIN, JITSI_APP_ID or JITSI_APP_SECRET is missing."),
    ({"JITSI_URL": "meet.example.com"}, "JITSI_URL is 'meet.example.com'."),
])
def test_start_up_stops_on_video_settings_that_cannot_work(env, message):
    result = _start(env)
    assert result.returncode != 0
    assert f"Serene will not start: {message}" in result.stderr


def test_redis_url_selects_the_redis_layer_and_ice_settings_reach_the_browser():
    code = ("from django.conf import settings; from serene.video.ice import rtc_configuration_for; "
            "layer = settings.CHANNEL_LAYERS['default']; rtc = rtc_configuration_for(user_id=7); "
            "print(layer['BACKEND'], layer['CONFIG']['hosts'][0], layer['CONFIG']['prefix']); "
            "print(rtc['iceTransportPolicy'], rtc['iceServers'][0]['urls'], rtc['iceServers'][1]['urls'], "
            "rtc['iceServers'][1]['username'].endswith(':7'))")
    result = _start({"REDIS_URL": "redis://127.0.0.1:6379/3", "CHANNEL_LAYER_PREFIX": "serene-a",
                     "ICE_SERVERS": '[{"urls": "stun:stun.example.com:3478"}]', "TURN_SECRET": "s3cret",
                     "TURN_URLS": "turn:turn.example.com:3478?transport=udp", "ICE_TRANSPORT_POLICY": "relay"}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "channels_redis.core.RedisChannelLayer redis://127.0.0.1:6379/3 serene-a",
        "relay stun:stun.example.com:3478 ['turn:turn.example.com:3478?transport=udp'] True"]
    default = _start({}, "from django.conf import settings; print(settings.CHANNEL_LAYERS['default']['BACKEND'])")
    assert default.stdout.strip() == "channels.layers.InMemoryChannelLayer"
