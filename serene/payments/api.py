"""Payment API: the brief's create-order and verify, and Razorpay's webhook."""
from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from serene.bookings.selectors import session_status_message
from serene.core.errors import InvalidInput
from serene.core.money import minor_to_major
from serene.experts.selectors import expert_get

from .checkout import payment_start, payment_verify
from .gateway import get_gateway
from .webhooks import webhook_receive

router = Router(tags=["payments"])


class OrderNotesIn(Schema):
    expertId: str
    sessionDate: str | None = None
    sessionTime: str | None = None


class CreateOrderIn(Schema):
    amount: float | None = None
    currency: str = "INR"
    notes: OrderNotesIn
    duration: int
    startsAt: str | None = None


class VerifyIn(Schema):
    razorpay_order_id: str
    razorpay_payment_id: str
    razorpay_signature: str


def _starts_at(body: CreateOrderIn, expert_zone: str) -> datetime:
    if body.startsAt:
        try:
            instant = datetime.fromisoformat(body.startsAt.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput("startsAt must be an ISO date-time such as 2026-01-15T08:30:00Z.", field="startsAt") from None
        if instant.tzinfo is None:
            raise InvalidInput("startsAt must include its time zone (…Z or +05:30).", field="startsAt")
        return instant
    if not body.notes.sessionDate or not body.notes.sessionTime:
        raise InvalidInput("Give notes.sessionDate and notes.sessionTime (the expert's local time), or startsAt.",
                           field="notes.sessionDate")
    try:
        day = datetime.strptime(body.notes.sessionDate, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("notes.sessionDate must be a date as YYYY-MM-DD.", field="notes.sessionDate") from None
    try:
        wall = time.fromisoformat(body.notes.sessionTime)
    except ValueError:
        raise InvalidInput("notes.sessionTime must be a time as HH:MM.", field="notes.sessionTime") from None
    return datetime.combine(day, wall, tzinfo=ZoneInfo(expert_zone))


def _client_amount_minor(amount: float | None) -> int | None:
    if amount is None:
        return None
    try:
        value = Decimal(str(amount)) * 100
    except InvalidOperation:
        raise InvalidInput("amount must be a number.", field="amount") from None
    if value != value.to_integral_value() or value < 0:
        raise InvalidInput("amount must be in rupees with at most two decimals.", field="amount")
    return int(value)


@router.post("/payments/create-order", auth=django_auth, summary="Hold the slot and open a Razorpay order")
def create_order(request: HttpRequest, body: CreateOrderIn):
    expert = expert_get(slug=body.notes.expertId, with_languages=False)
    if expert.user_id == request.user.pk:
        raise InvalidInput("You cannot book a session with yourself.", field="notes.expertId")
    checkout = payment_start(customer=request.user, expert=expert,
                             starts_at=_starts_at(body, expert.time_zone), duration_minutes=body.duration,
                             client_amount_minor=_client_amount_minor(body.amount), currency=body.currency)
    booking, payment = checkout.booking, checkout.payment
    return {"success": True, "orderId": payment.gateway_order_id, "amount": minor_to_major(payment.amount_minor),
            "amountMinor": payment.amount_minor, "currency": payment.currency, "keyId": get_gateway().key_id,
            "sessionId": str(booking.public_id), "holdExpiresAt": booking.hold_expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "startsAt": booking.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "duration": booking.duration_minutes}


@router.post("/payments/verify", auth=django_auth, summary="Verify Checkout's signed result and confirm the booking")
def verify(request: HttpRequest, body: VerifyIn):
    payment = payment_verify(customer=request.user, order_id=body.razorpay_order_id,
                             payment_id=body.razorpay_payment_id, signature=body.razorpay_signature)
    booking = payment.booking
    booking.refresh_from_db()
    session_id = str(booking.public_id)
    return {"success": True, "sessionId": session_id, "status": booking.status, "paymentId": payment.gateway_payment_id,
            "paymentStatus": payment.status, "message": session_status_message(booking=booking),
            "redirectUrl": f"/booking/success?sessionId={session_id}&paymentId={payment.gateway_payment_id}"}


@router.post("/payments/webhook", summary="Razorpay webhooks: signature checked on the raw body, stored once")
def webhook(request: HttpRequest):
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("The webhook body is not UTF-8.") from None
    event, is_new = webhook_receive(body=body, signature=request.headers.get("X-Razorpay-Signature", ""),
                                    event_id=request.headers.get("X-Razorpay-Event-Id", ""))
    return {"success": True, "eventId": event.gateway_event_id, "duplicate": not is_new}
