"""POST-only pages reached by GET (a bookmark, a link copied from a form, a refresh): the visitor is
sent to the page that holds the form, instead of a bare 405."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme


def post_only(form_page: Callable[..., str]):
    """Like `require_POST`, but a GET or HEAD is redirected to `form_page(request, **url_kwargs)`, the
    address of the page whose form posts here; other methods still get the friendly 405 page."""
    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                return view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD"):
                return redirect(form_page(request, *args, **kwargs))
            return method_not_allowed_page(request, allowed=["POST"])
        return wrapper
    return decorate


def method_not_allowed_page(request: HttpRequest, *, allowed: list[str]) -> HttpResponse:
    response = render(request, "405.html", {"back": _back(request)}, status=405)
    response["Allow"] = ", ".join(allowed)
    return response


def _back(request: HttpRequest) -> str:
    """The page the visitor came from, when it is ours; else none (the page offers home)."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()) \
            and not referer.endswith(request.path):
        return referer
    return ""
