"""ASGI entry point: Django for HTTP and Channels for the video room's websockets, in one process.

`make run` serves everything through it (uvicorn, Procfile.dev), and so does the Procfile's `ws`
process through serene/asgi_websockets.py. Production HTTP goes to serene/wsgi.py instead: Django's
ASGI handler moves each synchronous middleware and view onto a thread and back, about twice the cost
of a request under a WSGI server (docs/decisions/0001-http-through-wsgi.md).
"""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serene.settings")
django_application = get_asgi_application()  # sets Django up before the consumers import models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from serene.core.serving import freeze_loaded_app  # noqa: E402
from serene.video.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter({
    "http": django_application,
    "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),  # type: ignore[arg-type]  # see video/routing.py
})

freeze_loaded_app()
