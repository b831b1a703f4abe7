"""What the entry points (serene/wsgi.py, serene/asgi.py, serene/asgi_websockets.py) share: the
collector freeze after start-up, the check that split serving has Redis, and a Server header that
names no software."""
from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured


def freeze_loaded_app() -> None:
    """Load every URL pattern (and with them the views and API schemas), then move everything loaded
    so far out of the garbage collector's sight. Requests leave reference cycles, and a full
    collection otherwise walks the ~130,000 objects of the loaded app each time: 30-60 ms during which
    no request is served (bench/serving.py prints the pauses with and without the freeze)."""
    from django.urls import get_resolver
    get_resolver().url_patterns  # noqa: B018 (loading is the point)
    gc.collect()
    gc.freeze()


def require_shared_channel_layer(*, process: str) -> None:
    """Refuse to start a process that serves only HTTP or only websockets without Redis.

    With HTTP in one process and websockets in another, a message from a request to a socket (the
    call ended by a cancellation, say) crosses processes; the in-memory channel layer would drop it
    without a word."""
    from django.conf import settings
    if settings.REDIS_URL:
        return
    problem = f"REDIS_URL is not set, and {process} serves HTTP and websockets in different processes."
    sys.stderr.write(
        f"\nSerene will not start: {problem}\n"
        "Messages between the web and ws processes (the video room's signalling) need a shared channel\n"
        "layer. Set REDIS_URL (for example redis://127.0.0.1:6379/0), or, for development, serve both\n"
        "from one ASGI process with `make run` (uvicorn serene.asgi:application).\n\n")
    raise ImproperlyConfigured(problem)


StartResponse = Callable[..., Callable[[bytes], object]]
WsgiApplication = Callable[[dict, StartResponse], Iterable[bytes]]


def behind_proxy(application: WsgiApplication, *, trusted: list[str]) -> WsgiApplication:
    """Take the client's address (and scheme) from the proxy's X-Forwarded-For (and -Proto) when, and
    only when, the request comes from a trusted proxy address (FORWARDED_ALLOW_IPS), as uvicorn
    does by default. The per-address log-in and sign-up limits and METRICS_ALLOWED_IPS read
    REMOTE_ADDR: behind a proxy it would otherwise be the proxy's, for every client.

    Of the addresses in X-Forwarded-For the right-most one that is not a trusted proxy is the client
    (anything left of it the client may have written itself); with "*" every address is trusted, so
    the left-most is taken, as uvicorn does."""
    everyone = "*" in trusted
    trusted_set = frozenset(trusted)

    def serve(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if everyone or environ.get("REMOTE_ADDR") in trusted_set:
            forwarded_for = environ.get("HTTP_X_FORWARDED_FOR")
            if forwarded_for:
                hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
                if hops:
                    environ["REMOTE_ADDR"] = hops[0] if everyone else next(
                        (hop for hop in reversed(hops) if hop not in trusted_set), hops[0])
            scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
            if scheme in {"http", "https"}:
                environ["wsgi.url_scheme"] = scheme
        return application(environ, start_response)
    return serve


def without_server_software(application: WsgiApplication) -> WsgiApplication:
    """Answer with an empty Server header. granian names itself in one unless the application sends
    its own, and has no switch to leave it out (uvicorn had --no-server-header)."""
    def serve(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            headers.append(("Server", ""))
            return start_response(status, headers, exc_info)
        return application(environ, start)
    return serve
