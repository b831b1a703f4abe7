"""WSGI entry point of the Procfile's `web` process (granian's WSGI interface): every HTTP request.

Our views and middleware are synchronous, so under WSGI a request runs on one thread from start to
end; under Django's ASGI handler each one hopped between the event loop and threads, which cost
1.5-2 ms a request (docs/decisions/0001-http-through-wsgi.md). Websockets are served by the `ws`
process (serene/asgi_websockets.py), so this process refuses to start without Redis for the channel
layer between the two.
"""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serene.settings")
django_application = get_wsgi_application()

from django.conf import settings  # noqa: E402 (Django is set up above)

from serene.core.serving import (  # noqa: E402
    behind_proxy,
    freeze_loaded_app,
    require_shared_channel_layer,
    without_server_software,
)

require_shared_channel_layer(process="the web process (serene.wsgi)")
application = without_server_software(behind_proxy(django_application, trusted=settings.FORWARDED_ALLOW_IPS))
freeze_loaded_app()
