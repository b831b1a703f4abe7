"""ASGI entry point of the Procfile's `ws` process: the websockets (every path under /ws/), while
the `web` process serves HTTP through serene/wsgi.py; the proxy routes by path.

It is serene.asgi's application, so it also answers HTTP (the proxy's probes of /healthz), but the
proxy sends it only /ws/. With the two kinds of traffic in two processes, the channel layer must be
shared: this process refuses to start without REDIS_URL.
"""
from serene.asgi import application  # noqa: F401 (the served application)
from serene.core.serving import require_shared_channel_layer

require_shared_channel_layer(process="the ws process (serene.asgi_websockets)")
