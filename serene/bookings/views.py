"""Booking pages: the calendar file and the customer's session list. (The pages that show a
payment's result, and the receipt, are the payments app's.)"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from serene.notifications.ics import booking_ics

from . import selectors


@login_required
@require_GET
def calendar_file(request: HttpRequest, public_id: str) -> HttpResponse:
    booking = selectors.booking_get_for(user=request.user, public_id=public_id)
    response = HttpResponse(booking_ics(booking=booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="serene-session-{booking.starts_at:%Y%m%d}.ics"'
    return response


@login_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/my_sessions.html", {
        "upcoming": selectors.booking_list_for_customer(user=request.user, upcoming=True),
        "past": selectors.booking_list_for_customer(user=request.user, upcoming=False)[:20],
        "viewer_zone": request.user.time_zone,
    })
