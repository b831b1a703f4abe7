"""Booking pages of the customer: the dashboard of their sessions, the reschedule page with its
slot picker, and the review form. (The session page, the cancel page with its refund and the
payment history are the payments app's; the calendar file is the notifications app's.)"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serene.availability.selectors import slot_list_for_day
from serene.core.date_input import calendar_day_from_text, instant_from_text
from serene.core.errors import AppError, InvalidInput, SlotTaken
from serene.core.timefmt import canonical_time_zone, format_date, format_time

from . import selectors
from .models import Booking
from .policy import reschedule_refusal
from .reviews import booking_review
from .services import booking_reschedule


@login_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    """The customer's dashboard. An expert is sent to theirs, unless they ask for the sessions they
    booked themselves (?as=client)."""
    as_client = request.GET.get("as") == "client"
    if request.user.is_expert and not as_client:
        return redirect("bookings:expert_dashboard")
    return render(request, "bookings/my_sessions.html", {
        "sessions": selectors.customer_sessions(user=request.user),
        "viewer_zone": canonical_time_zone(request.user.time_zone) or "Asia/Kolkata",
        "as_client": as_client,
    })


CUSTOMER_LISTS = {"upcoming": "Upcoming sessions", "past": "Past sessions"}


@login_required
@require_GET
def customer_session_list(request: HttpRequest) -> HttpResponse:
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
    return render(request, "bookings/customer_sessions.html", {
        "page": page, "when": when, "title": CUSTOMER_LISTS[when], "error": error, "first_page": cursor is None,
        "viewer_zone": canonical_time_zone(request.user.time_zone) or "Asia/Kolkata",
    }, status=status)


def _customer_booking(request: HttpRequest, public_id: str) -> Booking:
    return selectors.booking_get_for(user=request.user, public_id=public_id, customer_only=True)


def _viewer_zone(booking: Booking) -> str:
    return booking.customer_time_zone or booking.expert.time_zone


def reschedule_days(*, booking: Booking, zone: str, now: datetime) -> list[dict]:
    """The free times of the same expert and length over the next RESCHEDULE_DAYS_SHOWN days, on the
    customer's clock: the engine's slots, with this booking's own time not counted as busy."""
    viewer_zone = ZoneInfo(zone)
    first = now.astimezone(viewer_zone).date()
    days = []
    for offset in range(settings.RESCHEDULE_DAYS_SHOWN):
        day = first + timedelta(days=offset)
        slots = [slot for slot in slot_list_for_day(expert=booking.expert, day=day,
                                                    duration_minutes=booking.duration_minutes, now=now,
                                                    viewer_zone=viewer_zone, excluding_booking_id=booking.pk)
                 if slot.available and slot.starts_at != booking.starts_at]
        if slots:
            days.append({"day": day, "slots": slots})
    return days


@login_required
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, public_id: str) -> HttpResponse:
    booking = _customer_booking(request, public_id)
    zone = _viewer_zone(booking)
    now = timezone.now()
    context = {"booking": booking, "viewer_zone": zone, "error": None, "chosen": "",
               "refusal": reschedule_refusal(booking=booking, now=now),
               "moves_left": max(settings.MAX_RESCHEDULES - booking.reschedule_count, 0),
               "window_hours": settings.CANCELLATION_WINDOW_HOURS}
    status = 200
    if request.method == "POST" and not context["refusal"]:
        chosen = request.POST.get("starts_at", "")
        context["chosen"] = chosen
        try:
            starts_at = _parse_instant(chosen)
            moved = booking_reschedule(booking_id=booking.pk, by=request.user, starts_at=starts_at)
        except SlotTaken:
            context["error"] = "Someone has just booked that time. Please choose another one."
            status = 409
        except AppError as error:
            context["error"], status = error.message, error.status
        else:
            messages.success(request, f"Moved to {format_date(moved.starts_at, zone)}, "
                                      f"{format_time(moved.starts_at, zone)}. Both of you get the updated calendar "
                                      "invite.")
            return redirect("payments:session", public_id=booking.public_id)
        booking.refresh_from_db()
        context["refusal"] = reschedule_refusal(booking=booking, now=timezone.now())
    elif request.method == "POST":
        status = 400
    days = reschedule_days(booking=booking, zone=zone, now=now) if not context["refusal"] else []
    context["days"] = days
    context["shown"] = _day_shown(days, request.GET.get("day", ""), context["chosen"], zone)
    return render(request, "bookings/reschedule.html", context, status=status)


def _day_shown(days: list[dict], asked: str, chosen: str, zone: str) -> dict | None:
    """The day whose times the page lists: the one asked for (?day=), else the chosen time's, else the
    first. A day that cannot be read, or lies outside the calendar, is no day asked for."""
    try:
        wanted = calendar_day_from_text(asked, field="day")
    except InvalidInput:
        wanted = None
    if chosen:
        try:
            wanted = _parse_instant(chosen).astimezone(ZoneInfo(zone)).date()
        except InvalidInput:
            pass
    for entry in days:
        if entry["day"] == wanted:
            return entry
    return days[0] if days else None


def _parse_instant(value: str) -> datetime:
    return instant_from_text(value, field="starts_at", message="Please choose one of the times listed.")


@login_required
@require_POST
def review(request: HttpRequest, public_id: str) -> HttpResponse:
    booking = _customer_booking(request, public_id)
    try:
        rating = int(request.POST.get("rating", ""))
    except ValueError:
        rating = 0
    try:
        booking_review(booking_id=booking.pk, by=request.user, rating=rating, review=request.POST.get("review", ""))
    except AppError as error:
        messages.error(request, error.message)
        return redirect(reverse("payments:session", args=[booking.public_id]) + "#review")
    messages.success(request, f"Thank you: your review of {booking.expert.name} is on their profile.")
    return redirect("payments:session", public_id=booking.public_id)


