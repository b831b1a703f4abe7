"""Notification pages: the signed-in user's notices (opening one, marking them all read), and a
session's calendar file (the same invite the emails carry)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from serene.accounts.requests import AuthenticatedHttpRequest
from serene.bookings import selectors
from serene.core.post_only import post_only

from .content import customer_zone, expert_zone
from .ics import PUBLISH, booking_ics
from .notices import notice_list, notice_mark_read, notices_mark_all_read, short_when


@login_required
@require_GET
def calendar_file(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    booking = selectors.booking_get_for(user=request.user, public_id=public_id)
    zone = customer_zone(booking) if booking.customer_id == request.user.pk else expert_zone(booking)
    response = HttpResponse(booking_ics(booking=booking, method=PUBLISH, zone=zone),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="serene-session-{booking.starts_at:%Y%m%d}.ics"'
    return response


@login_required
@require_GET
def notice_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Lists the notices without marking any read: each is read when it is opened, or all at once."""
    zone = request.user.time_zone
    notices = notice_list(user=request.user)
    return render(request, "notifications/list.html", {
        "rows": [{"notice": notice, "when": short_when(notice.created_at, zone)} for notice in notices],
        "unread": sum(1 for notice in notices if notice.read_at is None),
    })


@login_required
@require_GET
def notice_open(request: AuthenticatedHttpRequest, notice_id: int) -> HttpResponse:
    """Follows a notice's link and marks it read on the way.

    A GET, so a notice is an ordinary link (a new tab, a long press); marking one's own notice read
    is harmless to repeat, and another user's id is a 404 like an unknown one.
    """
    notice = notice_mark_read(user=request.user, notice_id=notice_id)
    target = notice.link
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                         require_https=request.is_secure()):
        return redirect("notifications:list")
    return redirect(target)


@login_required
@post_only(lambda request: reverse("notifications:list"))
def notices_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    marked = notices_mark_all_read(user=request.user)
    if marked:
        messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} as read.")
    return redirect("notifications:list")
