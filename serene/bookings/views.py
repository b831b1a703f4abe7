"""Booking pages: success, failure, calendar file, receipt, and the customer's session list."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from serene.core.errors import NotFound
from serene.notifications.ics import booking_ics, google_calendar_url
from serene.payments.models import Payment, PaymentStatus
from serene.payments.selectors import (payment_failure_message, payment_paid_for, payment_refunded_minor,
                                       payment_retryable_for)

from . import selectors
from .models import Booking, BookingStatus
from .receipts import booking_receipt_pdf, receipt_number


def _own_booking(request: HttpRequest, public_id: str, *, customer_only: bool) -> Booking:
    booking = selectors.booking_get_for(user=request.user, public_id=public_id)
    if customer_only and booking.customer_id != request.user.pk:
        raise NotFound("There is no session with that id.")
    return booking


def _paid_payment(booking: Booking) -> Payment | None:
    return payment_paid_for(booking=booking)


@login_required
@require_GET
def success(request: HttpRequest) -> HttpResponse:
    booking = _own_booking(request, request.GET.get("sessionId", ""), customer_only=True)
    payment = _paid_payment(booking)
    refund = payment.refunds.first() if payment else None
    return render(request, "bookings/success.html", {
        "booking": booking, "payment": payment, "refund": refund,
        "message": selectors.session_status_message(booking=booking),
        "is_booked": booking.status in (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL),
        "google_url": google_calendar_url(booking=booking), "receipt_number": receipt_number(booking),
        "viewer_zone": booking.customer_time_zone or booking.expert.time_zone,
    })


@require_GET
def failed(request: HttpRequest) -> HttpResponse:
    reason = request.GET.get("error", "")[:60]
    booking = None
    if request.user.is_authenticated and request.GET.get("sessionId"):
        try:
            booking = _own_booking(request, request.GET["sessionId"], customer_only=True)
        except NotFound:
            booking = None
    payment = payment_retryable_for(booking=booking) if booking else None
    return render(request, "bookings/failed.html", {
        "message": payment_failure_message(reason=reason), "reason": reason, "booking": booking,
        "payment": payment, "checkout_js": settings.RAZORPAY_CHECKOUT_JS,
        "key_id": settings.RAZORPAY_KEY_ID,
    }, status=200)


@login_required
@require_GET
def calendar_file(request: HttpRequest, public_id: str) -> HttpResponse:
    booking = _own_booking(request, public_id, customer_only=False)
    response = HttpResponse(booking_ics(booking=booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="serene-session-{booking.starts_at:%Y%m%d}.ics"'
    return response


@login_required
@require_GET
def receipt(request: HttpRequest, public_id: str) -> HttpResponse:
    booking = _own_booking(request, public_id, customer_only=True)
    payment = _paid_payment(booking)
    if payment is None or payment.status not in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED,
                                                 PaymentStatus.PARTIALLY_REFUNDED):
        raise NotFound("There is no receipt for this session yet: it has not been paid.")
    refunded = payment_refunded_minor(payment=payment)
    pdf = booking_receipt_pdf(booking=booking, payment_id=payment.gateway_payment_id, refunded_minor=refunded)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="serene-receipt-{receipt_number(booking)}.pdf"'
    return response


@login_required
@require_GET
def my_sessions(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/my_sessions.html", {
        "upcoming": selectors.booking_list_for_customer(user=request.user, upcoming=True),
        "past": selectors.booking_list_for_customer(user=request.user, upcoming=False)[:20],
        "viewer_zone": request.user.time_zone,
    })
