"""The expert's answers to a booking, as pages: accept, decline (refunds in full), cancel (refunds in
full) and mark a no-show. GET shows a confirm page (what the dashboard's dialog shows without
JavaScript, and where an error is explained); POST acts through the services and goes back.

Only the booking's own expert gets these pages; anyone else hears 404 (staff act in the admin)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from serene.accounts.requests import AuthenticatedHttpRequest
from serene.bookings import selectors as booking_selectors
from serene.bookings.models import Booking
from serene.bookings.moves import booking_approve, booking_mark_no_show
from serene.core.errors import AppError, NotFound
from serene.payments.cancellations import booking_cancel_with_refund, booking_reject_with_refund

from .templatetags.expert_actions import ACTION_TEXT

REASON_MAX = 240
DONE = {
    "accept": "Accepted: {client} is told the session is confirmed.",
    "reject": "Declined: {client} is refunded the full amount.",
    "cancel": "Cancelled: {client} is refunded the full amount.",
    "no_show": "Marked as a no-show.",
}


def _act(name: str, booking: Booking, by, reason: str) -> None:
    if name == "accept":
        booking_approve(booking_id=booking.pk, by=by)
    elif name == "reject":
        booking_reject_with_refund(booking_id=booking.pk, by=by, reason=reason)
    elif name == "cancel":
        booking_cancel_with_refund(booking_id=booking.pk, by=by, reason=reason)
    else:
        booking_mark_no_show(booking_id=booking.pk, by=by, reason=reason)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("desk:dashboard")


def _page(request: AuthenticatedHttpRequest, name: str, public_id: str) -> HttpResponse:
    booking = booking_selectors.booking_get_for(user=request.user, public_id=public_id)
    if booking.expert.user_id != request.user.pk:
        raise NotFound("There is no session with that id.")
    text = ACTION_TEXT[name]
    next_url = _next_url(request)
    context = {"booking": booking, "action": {"name": name, **text}, "next": next_url,
               "viewer_zone": booking.expert.time_zone, "reason": "", "error": None}
    if request.method == "GET":
        return render(request, "desk/action.html", context)
    reason = request.POST.get("reason", "").strip()
    context["reason"] = reason
    if text["reason"] == "required" and not reason:
        context["error"] = "Please give a reason: the client will read it."
        return render(request, "desk/action.html", context, status=400)
    if len(reason) > REASON_MAX:
        context["error"] = f"Please keep the reason under {REASON_MAX} characters."
        return render(request, "desk/action.html", context, status=400)
    try:
        _act(name, booking, request.user, reason)
    except AppError as error:
        context["error"] = error.message
        return render(request, "desk/action.html", context, status=error.status)
    messages.success(request, DONE[name].format(client=booking.customer.name or "The client"))
    return redirect(next_url)


def _view(name: str):
    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
        return _page(request, name, public_id)
    view.__name__ = f"expert_{name}"
    return view


accept = _view("accept")
reject = _view("reject")
cancel = _view("cancel")
no_show = _view("no_show")
