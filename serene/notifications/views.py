"""The calendar file of a session, for its customer or expert (the same invite the emails carry)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from serene.bookings import selectors

from .content import customer_zone, expert_zone
from .ics import PUBLISH, booking_ics


@login_required
@require_GET
def calendar_file(request: HttpRequest, public_id: str) -> HttpResponse:
    booking = selectors.booking_get_for(user=request.user, public_id=public_id)
    zone = customer_zone(booking) if booking.customer_id == request.user.pk else expert_zone(booking)
    response = HttpResponse(booking_ics(booking=booking, method=PUBLISH, zone=zone),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="serene-session-{booking.starts_at:%Y%m%d}.ics"'
    return response
