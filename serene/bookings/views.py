"""Booking pages: the customer's session list. (The pages that show a payment's result, the
session page and the receipt are the payments app's; the calendar file is the notifications app's.)"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from . import selectors


@login_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    if request.user.is_expert:  # an expert's sessions are the ones booked with them
        return redirect("bookings:expert_dashboard")
    return render(request, "bookings/my_sessions.html", {
        "upcoming": selectors.booking_list_for_customer(user=request.user, upcoming=True),
        "past": selectors.booking_list_for_customer(user=request.user, upcoming=False)[:20],
        "viewer_zone": request.user.time_zone,
    })
