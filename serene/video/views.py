"""The session's room page: a countdown before the window, then the call (built in, or Jitsi)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from serene.bookings.join import JOINABLE_STATUSES, join_window
from serene.core.security import permissions_policy

from .jitsi import jitsi_room_url
from .selectors import room_seat_for
from .services import booking_room_id


@permissions_policy(camera=True, microphone=True)
@login_required
@require_GET
def room(request: HttpRequest, public_id: str) -> HttpResponse:
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
        "session_url": reverse("payments:session", args=[booking.public_id]),
    }
    if state == "open":
        room_id = booking_room_id(booking=booking)
        if settings.VIDEO_PROVIDER == "jitsi":
            context["jitsi_url"] = jitsi_room_url(seat=seat, room=room_id, user=request.user)
        context["room_config"] = {
            "socketPath": f"/ws/sessions/{booking.public_id}/room/", "roomId": room_id,
            "role": seat.role, "peerName": seat.peer_name,
            "startsAt": booking.starts_at.isoformat(), "endsAt": booking.ends_at.isoformat(),
            "closesAt": window.closes_at.isoformat(),
        }
    response = render(request, "video/room.html", context)
    response["Cache-Control"] = "no-store"
    return response
