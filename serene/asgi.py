"""ASGI entry point served by uvicorn: Django for HTTP, Channels for the video room's websockets."""
import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serene.settings")
django_application = get_asgi_application()  # sets Django up before the consumers import models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from serene.video.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter({
    "http": django_application,
    "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
})

# Load every URL pattern (and with them the views and API schemas) now, then move everything loaded
# so far out of the garbage collector's sight: requests leave reference cycles, and a full collection
# otherwise walks the ~130,000 objects of the loaded app each time, 30-60 ms during which no request
# is served (bench/availability.py's p99 at 8 connections; 5-10 ms once frozen).
get_resolver().url_patterns
gc.collect()
gc.freeze()
