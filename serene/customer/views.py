"""The customer's lists: the dashboard of their sessions, every session a page at a time, and the
payment history with each refund and its state."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from serene.bookings import selectors
from serene.core.errors import InvalidInput
from serene.core.pagination import keyset_page
from serene.core.timefmt import canonical_time_zone
from serene.payments.selectors import payment_history_for


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The customer's dashboard. An expert is sent to theirs, unless they ask for the sessions they
    booked themselves (?as=client)."""
    as_client = request.GET.get("as") == "client"
    if request.user.is_expert and not as_client:
        return redirect("desk:dashboard")
    return render(request, "customer/dashboard.html", {
        "sessions": selectors.customer_sessions(user=request.user),
        "viewer_zone": canonical_time_zone(request.user.time_zone) or "Asia/Kolkata",
        "as_client": as_client,
    })


CUSTOMER_LISTS = {"upcoming": "Upcoming sessions", "past": "Past sessions"}


@login_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    """Every session the user booked, upcoming (soonest first, cancelled ones included) or past
    (newest first), a page at a time."""
    when = request.GET.get("when", "upcoming")
    if when not in CUSTOMER_LISTS:
        when = "upcoming"
    cursor = request.GET.get("cursor") or None
    error, status = None, 200
    try:
        page = selectors.booking_page_for(user=request.user, upcoming=when == "upcoming", role="customer",
                                          cursor=cursor)
    except InvalidInput as problem:
        error, status, cursor = problem.message, 400, None
        page = selectors.booking_page_for(user=request.user, upcoming=when == "upcoming", role="customer")
    return render(request, "customer/sessions.html", {
        "page": page, "when": when, "title": CUSTOMER_LISTS[when], "error": error, "first_page": cursor is None,
        "viewer_zone": canonical_time_zone(request.user.time_zone) or "Asia/Kolkata",
    }, status=status)


HISTORY_PAGE = 20


@login_required
@require_GET
def payment_history(request: HttpRequest) -> HttpResponse:
    """Every payment the signed-in user made (captured, refunded or failed) and each refund of it,
    newest first, a page at a time (keyset on created_at: the cost of a page is flat however long
    the history)."""
    payments = payment_history_for(customer=request.user)
    cursor = request.GET.get("cursor") or None
    error, status = None, 200
    try:
        page = keyset_page(payments, key="created_at", newest_first=True, cursor=cursor, limit=HISTORY_PAGE)
    except InvalidInput as problem:
        error, status, cursor = problem.message, 400, None
        page = keyset_page(payments, key="created_at", newest_first=True, limit=HISTORY_PAGE)
    return render(request, "customer/payment_history.html", {
        "payments": page.items, "page": page, "first_page": cursor is None, "error": error,
        "viewer_zone": request.user.time_zone or "Asia/Kolkata",
    }, status=status)
