"""The customer's money pages: cancel a session (what comes back is shown before confirming, by the
same rule the cancellation applies) and the payment history with every refund and its state."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from serene.bookings import selectors as booking_selectors
from serene.bookings.models import BookingStatus, MoneyOutcome
from serene.bookings.policy import cancel_preview
from serene.core.errors import AppError, InvalidInput
from serene.core.pagination import keyset_page

from .cancellations import booking_cancel_with_refund
from .models import MONEY_MOVED_STATUSES, Payment
from .selectors import payment_paid_for

REASON_MAX = 240


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    booking = booking_selectors.booking_get_for(user=request.user, public_id=public_id, customer_only=True)
    payment = payment_paid_for(booking=booking)
    paid_minor = payment.amount_minor if payment is not None and payment.status in MONEY_MOVED_STATUSES else 0
    cancellable = booking.status in (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL) \
        and booking.starts_at > timezone.now()
    context = {"booking": booking, "viewer_zone": booking.customer_time_zone or booking.expert.time_zone,
               "preview": cancel_preview(booking=booking, paid_minor=paid_minor), "paid_minor": paid_minor,
               "cancellable": cancellable, "reason": "", "error": None}
    if request.method == "GET":
        return render(request, "bookings/customer_cancel.html", context)
    reason = request.POST.get("reason", "").strip()
    context["reason"] = reason
    if len(reason) > REASON_MAX:
        context["error"] = f"Please keep the reason under {REASON_MAX} characters."
        return render(request, "bookings/customer_cancel.html", context, status=400)
    try:
        cancelled = booking_cancel_with_refund(booking_id=booking.pk, by=request.user, reason=reason)
    except AppError as error:
        booking.refresh_from_db()
        context.update(error=error.message, cancellable=False)
        return render(request, "bookings/customer_cancel.html", context, status=error.status)
    messages.success(request, _cancelled_message(cancelled.money_outcome))
    return redirect("payments:session", public_id=booking.public_id)


def _cancelled_message(outcome: str) -> str:
    return {
        MoneyOutcome.REFUNDED_IN_FULL: "Cancelled. We refunded the full amount; banks usually show it within 5–7 "
                                       "working days.",
        MoneyOutcome.REFUND_PENDING: "Cancelled. Your full refund is on its way.",
        MoneyOutcome.NOT_REFUNDED: "Cancelled. As it was within the cancellation window, no refund is due.",
        MoneyOutcome.REFUND_FAILED: "Cancelled. Your refund hit a problem at the payment provider; our team is on it.",
    }.get(outcome, "Cancelled. The time is free again.")


HISTORY_PAGE = 20


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    """Every payment the signed-in user made (captured, refunded or failed) and each refund of it,
    newest first, a page at a time (keyset on created_at: the cost of a page is flat however long
    the history)."""
    payments = (Payment.objects.filter(booking__customer=request.user).exclude(gateway_payment_id=None)
                .select_related("booking__expert__user").prefetch_related("refunds"))
    cursor = request.GET.get("cursor") or None
    error, status = None, 200
    try:
        page = keyset_page(payments, key="created_at", newest_first=True, cursor=cursor, limit=HISTORY_PAGE)
    except InvalidInput as problem:
        error, status, cursor = problem.message, 400, None
        page = keyset_page(payments, key="created_at", newest_first=True, limit=HISTORY_PAGE)
    return render(request, "bookings/payment_history.html", {
        "payments": page.items, "page": page, "first_page": cursor is None, "error": error,
        "viewer_zone": request.user.time_zone or "Asia/Kolkata",
    }, status=status)
