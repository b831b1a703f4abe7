"""The expert's availability editor page (it saves through PUT /api/v1/experts/availability) and its
7-day preview."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from serene.core.timezones import available_time_zones
from serene.experts.models import OFFERED_DURATION_CHOICES

from serene.availability import selectors, services
from serene.bookings.agenda import expert_sessions_on_days_off

PREVIEW_DAYS = 7


@login_required
@require_GET
def editor(request: HttpRequest) -> HttpResponse:
    expert = selectors.expert_of_user(user=request.user)
    return render(request, "desk/availability.html", {
        "expert": expert,
        "rules": services.availability_as_json(expert=expert),
        "time_zones": available_time_zones(),
        "duration_choices": OFFERED_DURATION_CHOICES,
    })


@login_required
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    expert = selectors.expert_of_user(user=request.user)
    zone = ZoneInfo(expert.time_zone)
    now = timezone.now()
    today = now.astimezone(zone).date()
    duration = min(expert.offered_durations)
    days = []
    for offset in range(PREVIEW_DAYS):
        day = today + timedelta(days=offset)
        slots = selectors.slot_list_for_day(expert=expert, day=day, duration_minutes=duration, now=now)
        days.append({"day": day, "free": [slot for slot in slots if slot.available],
                     "taken": sum(1 for slot in slots if slot.reason == "booked")})
    return render(request, "desk/_availability_preview.html", {"days": days, "duration": duration, "expert": expert})


@login_required
@require_GET
def days_off_sessions(request: HttpRequest) -> HttpResponse:
    """The sessions ahead that a day off (or other hours) leaves outside the expert's time, each to keep
    or to cancel with a full refund; the editor loads it, and again after each save."""
    expert = selectors.expert_of_user(user=request.user)
    return render(request, "desk/_days_off_sessions.html", {
        "expert": expert, "sessions": expert_sessions_on_days_off(expert=expert),
        "back": reverse("desk:availability")})
