"""The session's room page: a countdown before the window, then the call (built in, or Jitsi)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from serene.accounts.requests import AuthenticatedHttpRequest
from serene.bookings.join import JOINABLE_STATUSES, join_window
from serene.core.security import permissions_policy

from .jitsi import jitsi_base_url, jitsi_origin, jitsi_room_url
from .selectors import room_seat_for
from .services import booking_room_id, room_visit_opened


@permissions_policy(camera=True, microphone=True)
@login_required
@require_GET
def room(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    seat = room_seat_for(user=request.user, public_id=public_id)
    booking = seat.booking
    window = join_window(booking)
    now = timezone.now()
    if booking.status not in JOINABLE_STATUSES:
        state = "unavailable"
    else:
        state = window.state(now)
    context = {
        "seat": seat, "booking": booking, "state": state, "window": window, "now": now,
        "opens_in_seconds": max(int((window.opens_at - now).total_seconds()), 0),
        "viewer_zone": (booking.customer_time_zone or booking.expert.time_zone) if seat.role == "customer"
                       else request.user.time_zone or booking.expert.time_zone,
        "provider": settings.VIDEO_PROVIDER,
        "session_url": reverse("customer:session", args=[booking.public_id]),
    }
    if state == "open":
        room_id = booking_room_id(booking=booking)
        context["room_config"] = {
            "socketPath": f"/ws/sessions/{booking.public_id}/room/", "roomId": room_id,
            "role": seat.role, "peerName": seat.peer_name,
            "startsAt": booking.starts_at.isoformat(), "endsAt": booking.ends_at.isoformat(),
            "closesAt": window.closes_at.isoformat(),
        }
    if state == "open" and settings.VIDEO_PROVIDER == "jitsi":
        context["jitsi_check_url"] = f"{jitsi_base_url()}/"
        context["jitsi_host"] = settings.JITSI_DOMAIN
    response = render(request, "video/room.html", context)
    response["Cache-Control"] = "no-store"
    if "jitsi_check_url" in context:  # the page asks Jitsi whether it answers (serene/static/js/video-jitsi.js)
        response._csp_update = {"connect-src": [jitsi_origin()]}  # type: ignore[attr-defined]  # django-csp reads it
    return response


@login_required
@require_GET
def room_jitsi(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """The way into a Jitsi call: records the visit, then sends the person on with their signed link.
    Outside the window (or with the built-in call) it goes back to the room page, which says why."""
    seat = room_seat_for(user=request.user, public_id=public_id)
    booking = seat.booking
    if (settings.VIDEO_PROVIDER != "jitsi" or booking.status not in JOINABLE_STATUSES
            or join_window(booking).state(timezone.now()) != "open"):
        return redirect("video:room", public_id=booking.public_id)
    url = jitsi_room_url(seat=seat, room=booking_room_id(booking=booking), user=request.user)
    room_visit_opened(booking_id=booking.pk, user_id=request.user.pk, role=seat.role)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    return response
