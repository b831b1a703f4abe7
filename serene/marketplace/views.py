"""The public side: browse (the home page), an expert's profile with the booking wizard, every review
of an expert, and the page a failed payment lands on (retry on the same order)."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from serene.availability.selectors import next_available_slots
from serene.bookings import selectors as booking_selectors
from serene.bookings.policy import approval_policy_text, cancellation_policy_text, late_booking_policy_text
from serene.bookings.reviews import review_list_for_expert, review_page_for_expert
from serene.core.errors import InvalidInput, NotFound
from serene.core.money import format_money
from serene.core.pagination import page_after
from serene.core.security import payment_page
from serene.core.timefmt import canonical_time_zone
from serene.core.timezones import available_time_zones
from serene.experts import selectors as expert_selectors
from serene.experts.filters import SORTS, ExpertFilters, active_filter_count, expert_filters_parse, price_problem_words
from serene.experts.models import Expert
from serene.payments.selectors import payment_failure_message, payment_retryable_for

from .page_meta import browse_meta, profile_meta, reviews_meta


@require_GET
@vary_on_headers("HX-Request")
def browse(request: HttpRequest) -> HttpResponse:
    status = 200
    error = None
    try:
        filters = expert_filters_parse(request.GET)
        page = expert_selectors.expert_list(filters=filters)
    except InvalidInput as exc:
        # Show the problem in plain words (a price beside the price fields) and no list, with a 400
        # status, never a 500. htmx swaps only 2xx answers, so its request gets the same page as a 200.
        status = 200 if request.headers.get("HX-Request") == "true" else 400
        error = exc
        filters, page = ExpertFilters(), None
    if page is not None:
        _attach_next_slots(page.experts)
    context = {
        "filters": filters,
        "page": page,
        "error": error,
        "price_error": price_problem_words(error, request.GET) if error else "",
        "active_filters": active_filter_count(request.GET),
        "categories": expert_selectors.category_list(),
        "languages": expert_selectors.language_list_in_use(),
        "sorts": SORTS,
        "raw": request.GET,
        # The home page, or a category's page, is worth indexing; a search, a price range, a sort or a
        # later page is a variation of one of them.
        "page_meta": browse_meta(category=filters.category, indexable=error is None and set(request.GET) <= {"category"}),
    }
    return render(request, "marketplace/browse.html", context, status=status)


@require_GET
@payment_page  # the booking wizard opens Razorpay Checkout here
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    expert = expert_selectors.expert_get(slug=slug)
    _attach_next_slots([expert])
    return render(request, "marketplace/profile.html", {"expert": expert,
                                                    "wizard_config": _wizard_config(request, expert),
                                                    "reviews": review_list_for_expert(expert=expert),
                                                    "wizard_zone_groups": _zone_groups(),
                                                    "cancellation_policy": cancellation_policy_text(),
                                                    "page_meta": profile_meta(expert=expert)})


@require_GET
def reviews(request: HttpRequest, slug: str) -> HttpResponse:
    """Every review of the expert, newest first, a page at a time."""
    expert = expert_selectors.expert_get(slug=slug, with_languages=False)
    listed = page_after(lambda cursor: review_page_for_expert(expert=expert, cursor=cursor), request.GET.get("cursor"))
    return render(request, "marketplace/reviews.html", {"expert": expert, "page": listed.page,
                                                        "first_page": listed.first_page, "error": listed.error,
                                                        "page_meta": reviews_meta(expert=expert, first_page=listed.first_page
                                                                                  and listed.error is None)},
                  status=listed.status)


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
        # An expert who accepts by hand: the terms before they answer, for a session outside or inside the window.
        "approvalPolicy": approval_policy_text(expert_name=expert.name, starts_within_window=False),
        "lateApprovalPolicy": approval_policy_text(expert_name=expert.name, starts_within_window=True),
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
        expert.next_slot = slots.get(expert.pk)  # type: ignore[attr-defined]  # for the browse template only, no field


@require_GET
@payment_page  # "Retry payment" opens Razorpay Checkout again
def failed(request: HttpRequest) -> HttpResponse:
    reason = request.GET.get("error", "")[:60]
    booking = None
    if request.user.is_authenticated and request.GET.get("sessionId"):
        try:
            booking = booking_selectors.booking_get_for(user=request.user, public_id=request.GET["sessionId"],
                                                        customer_only=True)
        except NotFound:
            booking = None
    payment = payment_retryable_for(booking=booking) if booking else None
    return render(request, "marketplace/failed.html", {
        "message": payment_failure_message(reason=reason), "reason": reason, "booking": booking,
        "payment": payment, "checkout_js": settings.RAZORPAY_CHECKOUT_JS,
        "key_id": settings.RAZORPAY_KEY_ID,
    }, status=200)
