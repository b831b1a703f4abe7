"""Security headers beside Django's own: Permissions-Policy on every response, and the Razorpay
Checkout hosts in the Content-Security-Policy of the pages that take a payment.

The Content-Security-Policy itself comes from django-csp (CONTENT_SECURITY_POLICY in settings):
scripts from this site or carrying the request's nonce (`{{ request.csp_nonce }}`), nothing framing us.

    @payment_page                                  # the booking wizard, the retry-payment page
    def expert_profile(request, slug): ...

    @permissions_policy(camera=True, microphone=True)   # the video room
    def room(request, public_id): ...
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Browser features no Serene page uses unless a view says otherwise; "()" allows none, "(self)" this site.
# (Autoplay, fullscreen and payment stay at the browser's default: the room plays the other person's
# video, and Checkout may use the Payment Request API.)
PERMISSIONS_POLICY_FEATURES = ("accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
                               "magnetometer", "microphone", "midi", "usb")


def permissions_policy_value(**allowed: bool) -> str:
    """The header's value: every feature denied but those passed as True (allowed for this site).
    `display_capture=True` is written display-capture."""
    wanted = {name.replace("_", "-"): bool(value) for name, value in allowed.items()}
    unknown = set(wanted) - set(PERMISSIONS_POLICY_FEATURES)
    if unknown:
        raise ValueError(f"Unknown Permissions-Policy feature(s): {', '.join(sorted(unknown))}")
    return ", ".join(f"{name}=(self)" if wanted.get(name) else f"{name}=()" for name in PERMISSIONS_POLICY_FEATURES)


DEFAULT_PERMISSIONS_POLICY = permissions_policy_value()


def _decorate(view: Callable, after: Callable[[HttpRequest, HttpResponse], None]) -> Callable:
    """Call `after(request, response)` on the view's response; works for sync and async views."""
    if inspect.iscoroutinefunction(view):
        @functools.wraps(view)
        async def async_wrapped(request, *args, **kwargs):
            response = await view(request, *args, **kwargs)
            after(request, response)
            return response
        return async_wrapped

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        after(request, response)
        return response
    return wrapped


def permissions_policy(**allowed: bool) -> Callable[[Callable], Callable]:
    """A view decorator: this view's Permissions-Policy allows the features passed as True
    (`camera=True, microphone=True` for the video room) and denies the rest. The middleware leaves
    a header a view set alone."""
    value = permissions_policy_value(**allowed)

    def decorate(view: Callable) -> Callable:
        def after(request: HttpRequest, response: HttpResponse) -> None:
            response["Permissions-Policy"] = value
        return _decorate(view, after)
    return decorate


def _origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def payment_csp_sources() -> list[str]:
    """Hosts Razorpay Checkout loads from and talks to: CSP_PAYMENT_HOSTS plus the origins of the
    configured checkout script and API (the emulator's, in development and tests)."""
    sources = list(settings.CSP_PAYMENT_HOSTS)
    for url in (settings.RAZORPAY_CHECKOUT_JS, settings.RAZORPAY_API_BASE):
        origin = _origin(url)
        if origin and origin not in sources:
            sources.append(origin)
    return sources


def payment_page(view: Callable) -> Callable:
    """A view decorator for the pages where Razorpay Checkout runs: its hosts may serve scripts,
    frames and images and take requests, on this page only. Settings are read per request."""
    def after(request: HttpRequest, response: HttpResponse) -> None:
        sources = payment_csp_sources()
        update = {"script-src": sources, "connect-src": sources, "frame-src": sources, "img-src": sources}
        existing = getattr(response, "_csp_update", None) or {}
        for directive, values in existing.items():
            update[directive] = [*update.get(directive, []), *values]
        response._csp_update = update  # type: ignore[attr-defined]  # django-csp's per-response hook, not a field
    return _decorate(view, after)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response (kept if a view set its own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = DEFAULT_PERMISSIONS_POLICY
        return response
