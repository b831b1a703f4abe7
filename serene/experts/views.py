"""Catalogue pages: browse (the home page), an expert's profile, and initials avatars."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from serene.availability.selectors import next_available_slots
from serene.bookings.policy import cancellation_policy_text, late_booking_policy_text
from serene.core.timefmt import canonical_time_zone
from serene.core.timezones import available_time_zones
from serene.core.errors import InvalidInput
from serene.core.money import format_money

from . import selectors
from .avatars import initials_svg
from .filters import SORTS, ExpertFilters, expert_filters_parse
from .models import Expert


@require_GET
def browse(request: HttpRequest) -> HttpResponse:
    status = 200
    error = None
    try:
        filters = expert_filters_parse(request.GET)
        page = selectors.expert_list(filters=filters)
    except InvalidInput as exc:
        # Show the problem beside the form and an empty list, with a 400 status, never a 500.
        status, error = 400, exc
        filters, page = ExpertFilters(), None
    if page is not None:
        _attach_next_slots(page.experts)
    context = {
        "filters": filters,
        "page": page,
        "error": error,
        "categories": selectors.category_list(),
        "languages": selectors.language_list_in_use(),
        "sorts": SORTS,
        "raw": request.GET,
    }
    return render(request, "experts/browse.html", context, status=status)


@require_GET
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    expert = selectors.expert_get(slug=slug)
    _attach_next_slots([expert])
    return render(request, "experts/profile.html", {"expert": expert,
                                                    "wizard_config": _wizard_config(request, expert),
                                                    "wizard_zone_groups": _zone_groups(),
                                                    "cancellation_policy": cancellation_policy_text()})


def _zone_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The wizard's time zone picker: zones by region, each named by its city ("New York")."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in available_time_zones():
        region, _, place = name.partition("/")
        groups.setdefault(region if place else "Other", []).append((name, (place or name).replace("_", " ")))
    return list(groups.items())


def _wizard_config(request: HttpRequest, expert: Expert) -> dict:
    """What the booking wizard needs to start; prices come from the server, never the page."""
    user = request.user
    return {
        "expert": {"id": expert.slug, "name": expert.name, "timezone": expert.time_zone,
                   "avatar": expert.avatar.url if expert.avatar else reverse("experts:avatar", kwargs={"slug": expert.slug}),
                   "requiresApproval": expert.requires_approval},
        "durations": [{"minutes": minutes, "amountMinor": amount, "display": format_money(amount, expert.currency)}
                      for minutes, amount in expert.durations_with_prices()],
        "currency": expert.currency,
        "policy": cancellation_policy_text(),
        "latePolicy": late_booking_policy_text(),
        "horizonDays": expert.booking_horizon_days,
        "cancellationWindowHours": settings.CANCELLATION_WINDOW_HOURS,
        "checkoutJs": settings.RAZORPAY_CHECKOUT_JS,
        "signedIn": user.is_authenticated,
        "loginUrl": reverse("accounts:login"),
        "prefill": {"name": user.name, "email": user.email, "contact": user.phone} if user.is_authenticated else {},
        "profileTimezone": canonical_time_zone(user.time_zone) if user.is_authenticated else "",
    }


def _attach_next_slots(experts: list[Expert]) -> None:
    """Each expert's earliest free slot, for display (three queries for the whole page)."""
    slots = next_available_slots(experts=experts, now=timezone.now())
    for expert in experts:
        expert.next_slot = slots.get(expert.pk)


@require_GET
@cache_control(max_age=86400, public=True)
def avatar(request: HttpRequest, slug: str) -> HttpResponse:
    name = Expert.objects.filter(slug=slug).values_list("user__name", flat=True).first()
    if name is None:
        return HttpResponse(status=404)
    return HttpResponse(initials_svg(name), content_type="image/svg+xml")
