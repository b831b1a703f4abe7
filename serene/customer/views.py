"""The customer's lists: the dashboard of their sessions, every session a page at a time, and the
payment history with each refund and its state."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from serene.accounts.requests import AuthenticatedHttpRequest
from serene.bookings import selectors
from serene.core.pagination import keyset_page, page_after
from serene.core.timefmt import canonical_time_zone
from serene.payments.selectors import payment_history_for


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every session the user booked, upcoming (soonest first, cancelled ones included) or past
    (newest first), a page at a time."""
    when = request.GET.get("when", "upcoming")
    if when not in CUSTOMER_LISTS:
        when = "upcoming"
    listed = page_after(lambda cursor: selectors.booking_page_for(
        user=request.user, upcoming=when == "upcoming", role="customer", cursor=cursor), request.GET.get("cursor"))
    return render(request, "customer/sessions.html", {
        "page": listed.page, "when": when, "title": CUSTOMER_LISTS[when], "error": listed.error,
        "first_page": listed.first_page, "viewer_zone": canonical_time_zone(request.user.time_zone) or "Asia/Kolkata",
    }, status=listed.status)


HISTORY_PAGE = 20


@login_required
@require_GET
def payment_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every payment the signed-in user made (captured, refunded or failed) and each refund of it,
    newest first, a page at a time (keyset on created_at: the cost of a page is flat however long
    the history)."""
    payments = payment_history_for(customer=request.user)
    listed = page_after(lambda cursor: keyset_page(payments, key="created_at", newest_first=True, cursor=cursor,
                                                   limit=HISTORY_PAGE), request.GET.get("cursor"))
    return render(request, "customer/payment_history.html", {
        "payments": listed.page.items, "page": listed.page, "first_page": listed.first_page, "error": listed.error,
        "viewer_zone": request.user.time_zone or "Asia/Kolkata",
    }, status=listed.status)
