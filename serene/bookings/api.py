"""Sessions API (the brief's name for bookings): report a paid booking, read one, list mine."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth

from serene.core.errors import InvalidInput
from serene.payments.checkout import session_report
from serene.core.money import minor_to_major
from serene.experts.api import avatar_url
from serene.payments.models import Payment

from . import selectors
from .models import Booking

router = Router(tags=["sessions"])


class SessionIn(Schema):
    expertId: str
    scheduledDate: str
    scheduledTime: str
    duration: int
    paymentId: str


def session_as_json(request: HttpRequest, booking: Booking, payment: Payment | None = None) -> dict:
    expert = booking.expert
    expert_zone = ZoneInfo(expert.time_zone)
    viewer_zone = ZoneInfo(booking.customer_time_zone or expert.time_zone)
    starts_local = booking.starts_at.astimezone(expert_zone)
    viewer_local = booking.starts_at.astimezone(viewer_zone)
    if payment is None:
        payment = booking.payments.exclude(gateway_payment_id=None).order_by("-created_at").first()
    refund = payment.refunds.first() if payment is not None else None
    return {
        "id": str(booking.public_id),
        "expert": {"id": expert.slug, "name": expert.name, "avatar": request.build_absolute_uri(avatar_url(expert)),
                   "category": expert.category.name, "timezone": expert.time_zone},
        "scheduledDate": starts_local.date().isoformat(),
        "scheduledTime": starts_local.strftime("%H:%M"),
        "timezone": expert.time_zone,
        "customerDate": viewer_local.date().isoformat(),
        "customerTime": viewer_local.strftime("%H:%M"),
        "customerTimezone": viewer_zone.key,
        "startsAt": booking.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endsAt": booking.ends_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": booking.duration_minutes,
        "amount": minor_to_major(booking.price_minor),
        "amountMinor": booking.price_minor,
        "currency": booking.currency,
        "paymentId": payment.gateway_payment_id if payment else None,
        "paymentStatus": payment.status if payment else None,
        "refund": {"id": refund.gateway_refund_id, "amount": minor_to_major(refund.amount_minor),
                   "status": refund.status} if refund else None,
        "status": booking.status,
        "statusMessage": selectors.session_status_message(booking=booking),
        "holdExpiresAt": booking.hold_expires_at.strftime("%Y-%m-%dT%H:%M:%SZ") if booking.hold_expires_at else None,
    }


@router.post("/sessions", auth=django_auth, response={200: dict, 201: dict},
             summary="The booking a captured payment confirmed (201 first, then 200)")
def create_session(request: HttpRequest, body: SessionIn):
    report = session_report(customer=request.user, gateway_payment_id=body.paymentId, expert_slug=body.expertId,
                            scheduled_date=body.scheduledDate, scheduled_time=body.scheduledTime,
                            duration_minutes=body.duration)
    return Status(201 if report.first_time else 200,
                  {"success": True, "session": session_as_json(request, report.booking, report.payment)})


@router.get("/sessions", auth=django_auth, summary="My sessions, upcoming or past")
def list_sessions(request: HttpRequest, when: str = "upcoming"):
    if when not in ("upcoming", "past"):
        raise InvalidInput("when must be upcoming or past.", field="when")
    bookings = selectors.booking_list_for_customer(user=request.user, upcoming=when == "upcoming")
    return {"success": True, "sessions": [session_as_json(request, booking) for booking in bookings]}


@router.get("/sessions/{session_id}", auth=django_auth, summary="One session, to its customer and expert only")
def get_session(request: HttpRequest, session_id: str):
    booking = selectors.booking_get_for(user=request.user, public_id=session_id)
    return {"success": True, "session": session_as_json(request, booking)}
