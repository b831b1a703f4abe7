"""The customer's moves, as pages: cancel a session (what comes back is shown before confirming, by
the same rule the cancellation applies), reschedule it with a slot picker, and review it. Each acts
through the domain's services and goes back to the session page."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from serene.accounts.requests import AuthenticatedHttpRequest
from serene.availability.selectors import slot_list_for_day
from serene.bookings import selectors as booking_selectors
from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.bookings.policy import cancel_preview, reschedule_late_warning, reschedule_refusal
from serene.bookings.reviews import booking_review
from serene.bookings.services import booking_reschedule
from serene.core.date_input import calendar_day_from_text, instant_from_text
from serene.core.errors import AppError, InvalidInput, SlotTaken
from serene.core.post_only import post_only
from serene.core.timefmt import format_date, format_time
from serene.payments.cancellations import booking_cancel_with_refund
from serene.payments.models import MONEY_MOVED_STATUSES
from serene.payments.selectors import payment_paid_for

REASON_MAX = 240


def _customer_booking(request: AuthenticatedHttpRequest, public_id: str) -> Booking:
    return booking_selectors.booking_get_for(user=request.user, public_id=public_id, customer_only=True)


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
def reschedule(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    booking = _customer_booking(request, public_id)
    zone = _viewer_zone(booking)
    now = timezone.now()
    context = {"booking": booking, "viewer_zone": zone, "error": None, "chosen": "", "late_warning": "",
               "refusal": reschedule_refusal(booking=booking, now=now),
               "moves_left": max(settings.MAX_RESCHEDULES - booking.reschedule_count, 0),
               "window_hours": settings.CANCELLATION_WINDOW_HOURS}
    status = 200
    if request.method == "POST" and not context["refusal"]:
        chosen = request.POST.get("starts_at", "")
        context["chosen"] = chosen
        try:
            starts_at = _parse_instant(chosen)
            # A time inside the cancellation window is moved to only once the customer has read what it costs.
            late_warning = reschedule_late_warning(starts_at=starts_at, now=now)
            if late_warning and request.POST.get("late_ok") != chosen:
                context["late_warning"] = late_warning
                context["late_when"] = f"{format_date(starts_at, zone)}, {format_time(starts_at, zone)}"
                days = reschedule_days(booking=booking, zone=zone, now=now)
                context.update(days=days, shown=_day_shown(days, "", chosen, zone))
                return render(request, "customer/reschedule.html", context)
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
            return redirect("customer:session", public_id=booking.public_id)
        booking.refresh_from_db()
        context["refusal"] = reschedule_refusal(booking=booking, now=timezone.now())
    elif request.method == "POST":
        status = 400
    days = reschedule_days(booking=booking, zone=zone, now=now) if not context["refusal"] else []
    context["days"] = days
    context["shown"] = _day_shown(days, request.GET.get("day", ""), context["chosen"], zone)
    return render(request, "customer/reschedule.html", context, status=status)


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


def _review_form(request: AuthenticatedHttpRequest, public_id: str) -> str:
    return reverse("customer:session", args=[public_id]) + "#review"


@login_required
@post_only(_review_form)
def review(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    booking = _customer_booking(request, public_id)
    try:
        rating = int(request.POST.get("rating", ""))
    except ValueError:
        rating = 0
    try:
        booking_review(booking_id=booking.pk, by=request.user, rating=rating, review=request.POST.get("review", ""))
    except AppError as error:
        messages.error(request, error.message)
        return redirect(reverse("customer:session", args=[booking.public_id]) + "#review")
    messages.success(request, f"Thank you: your review of {booking.expert.name} is on their profile.")
    return redirect("customer:session", public_id=booking.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    booking = _customer_booking(request, public_id)
    payment = payment_paid_for(booking=booking)
    paid_minor = payment.amount_minor if payment is not None and payment.status in MONEY_MOVED_STATUSES else 0
    cancellable = booking.status in (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL) \
        and booking.starts_at > timezone.now()
    context = {"booking": booking, "viewer_zone": _viewer_zone(booking),
               "preview": cancel_preview(booking=booking, paid_minor=paid_minor), "paid_minor": paid_minor,
               "cancellable": cancellable, "reason": "", "error": None}
    if request.method == "GET":
        return render(request, "customer/cancel.html", context)
    reason = request.POST.get("reason", "").strip()
    context["reason"] = reason
    if len(reason) > REASON_MAX:
        context["error"] = f"Please keep the reason under {REASON_MAX} characters."
        return render(request, "customer/cancel.html", context, status=400)
    try:
        cancelled = booking_cancel_with_refund(booking_id=booking.pk, by=request.user, reason=reason)
    except AppError as error:
        booking.refresh_from_db()
        context.update(error=error.message, cancellable=False)
        return render(request, "customer/cancel.html", context, status=error.status)
    messages.success(request, _cancelled_message(cancelled.money_outcome))
    return redirect("customer:session", public_id=booking.public_id)


def _cancelled_message(outcome: str) -> str:
    messages_by_outcome: dict[str, str] = {
        MoneyOutcome.REFUNDED_IN_FULL: "Cancelled. We refunded the full amount; banks usually show it within 5–7 "
                                       "working days.",
        MoneyOutcome.REFUND_PENDING: "Cancelled. Your full refund is on its way.",
        MoneyOutcome.NOT_REFUNDED: "Cancelled. As it was within the cancellation window, no refund is due.",
        MoneyOutcome.REFUND_FAILED: "Cancelled. Your refund hit a problem at the payment provider; our team is on it.",
    }
    return messages_by_outcome.get(outcome, "Cancelled. The time is free again.")


