"""A session's own page, for its customer, its expert and staff (what emails and calendar invites link
to): the booking with its payment and refund, its Join button, moves, timeline and review. The page
the customer lands on after paying is the same one; the receipt PDF is its download."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from serene.accounts.requests import AuthenticatedHttpRequest
from serene.bookings import selectors as booking_selectors
from serene.bookings.lifecycle import FIRMLY_BLOCKING_STATUSES, PAID_AND_KEPT_STATUSES
from serene.bookings.customer import called_off_for, timeline_for
from serene.bookings.models import BookingStatus
from serene.bookings.policy import cancellation_policy_for, reschedule_sentence
from serene.bookings.receipts import booking_receipt_pdf, receipt_number
from serene.core.errors import NotFound
from serene.notifications.ics import google_calendar_url
from serene.notifications.selectors import reminders_planned
from serene.payments.models import PaymentStatus
from serene.payments.selectors import payment_paid_for, payment_refund_shown, payment_refunded_minor


@login_required
@require_GET
def success(request: AuthenticatedHttpRequest) -> HttpResponse:
    booking = booking_selectors.booking_get_for(user=request.user, public_id=request.GET.get("sessionId", ""),
                                                customer_only=True)
    return _session_page(request, booking, just_paid=True)


@login_required
@require_GET
def session(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """A session's own page, for its customer or its expert: what emails and calendar invites link to."""
    booking = booking_selectors.booking_get_for(user=request.user, public_id=public_id)
    return _session_page(request, booking, just_paid=False)


def _session_page(request: AuthenticatedHttpRequest, booking, *, just_paid: bool) -> HttpResponse:
    is_customer = booking.customer_id == request.user.pk
    payment = payment_paid_for(booking=booking)
    refund = payment_refund_shown(payment=payment) if payment else None
    refunded_minor = payment_refunded_minor(payment=payment) if payment else 0
    return render(request, "customer/session.html", {
        "just_paid": just_paid, "is_customer": is_customer,
        "reminders": reminders_planned(booking=booking),
        "reminder_soon_minutes": settings.REMINDER_SOON_MINUTES,
        "booking": booking, "payment": payment, "refund": refund,
        "message": booking_selectors.session_status_message(booking=booking),
        "is_booked": booking.status in PAID_AND_KEPT_STATUSES,
        "is_ahead": booking.status in FIRMLY_BLOCKING_STATUSES,  # kept and not yet over
        # Worth a calendar entry only once confirmed: a booking awaiting approval may yet be declined.
        "is_confirmed_ahead": booking.status == BookingStatus.CONFIRMED,
        "called_off": called_off_for(booking=booking, refunded_minor=refunded_minor),
        "google_url": google_calendar_url(booking=booking), "receipt_number": receipt_number(booking),
        "viewer_zone": (booking.customer_time_zone or booking.expert.time_zone) if is_customer
                       else request.user.time_zone or booking.expert.time_zone,
        # Just paid: the policy as it applies to this booking; later: what cancelling now would bring back.
        "cancellation_terms": (cancellation_policy_for(booking) if just_paid
                               else booking_selectors.cancellation_terms(booking=booking)),
        "reschedule_terms": reschedule_sentence(booking=booking),
        "timeline": timeline_for(booking=booking),
        "refunded_minor": refunded_minor,
    })


@login_required
@require_GET
def receipt(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    booking = booking_selectors.booking_get_for(user=request.user, public_id=public_id, customer_only=True)
    payment = payment_paid_for(booking=booking)
    if payment is None or payment.gateway_payment_id is None or payment.status not in (
            PaymentStatus.CAPTURED, PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED):
        raise NotFound("There is no receipt for this session yet: it has not been paid.")
    refunded = payment_refunded_minor(payment=payment)
    pdf = booking_receipt_pdf(booking=booking, payment_id=payment.gateway_payment_id, refunded_minor=refunded,
                              payment_method=payment.method)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="serene-receipt-{receipt_number(booking)}.pdf"'
    return response
