"""A serving candidate for bench/serving.py (not used by Serene): one ASGI process for HTTP and
websockets, with HTTP through a2wsgi (serene.wsgi on a thread, one hop a request) instead of Django's
ASGI handler. a2wsgi is not a dependency: `python3 -m uv pip install --python .venv/bin/python a2wsgi`.

    BENCH_CANDIDATES='uvicorn-a2wsgi=env PYTHONPATH=bench/candidates .venv/bin/uvicorn a2wsgi_app:application \
        --loop uvloop --http httptools --no-server-header --no-access-log --host 127.0.0.1 --port {port}' \
        .venv/bin/python bench/serving.py
"""
import os

from a2wsgi import WSGIMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serene.settings")

from serene.asgi import application as asgi_application  # noqa: E402
from serene.wsgi import application as wsgi_application  # noqa: E402

http = WSGIMiddleware(wsgi_application, workers=16)


async def application(scope, receive, send):
    if scope["type"] == "http":
        return await http(scope, receive, send)
    return await asgi_application(scope, receive, send)
