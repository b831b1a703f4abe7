"""Payment API: the brief's create-order and verify, and Razorpay's webhook."""
from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Field, Router, Schema

from serene.accounts.requests import AuthenticatedHttpRequest
from serene.bookings.selectors import session_status_message
from serene.core.api_common import DATE_PATTERN, ISO_INSTANT_PATTERN, answers, session_auth
from serene.core.date_input import calendar_day_from_text, instant_from_text
from serene.core.errors import InvalidInput
from serene.core.money import minor_to_major
from serene.core.timezones import WallTimeError, wall_time_resolve
from serene.experts.api import EXPERT_ID_PATTERN, SessionLength
from serene.experts.selectors import expert_get, expert_session_length

from .checkout import payment_start, payment_verify
from .gateway import get_gateway
from .webhooks import webhook_receive

router = Router(tags=["payments"])

MAX_AMOUNT = 10_000_000  # rupees; far above any session's price
CUSTOMER_NOTE_MAX_LENGTH = 1000  # Booking.customer_note's max_length


class OrderNotesIn(Schema):
    expertId: str = Field(pattern=EXPERT_ID_PATTERN, examples=["sarah-khan"])
    sessionDate: str | None = Field(None, pattern=DATE_PATTERN, json_schema_extra={"format": "date"},
                                    description="The expert's date, YYYY-MM-DD.")
    sessionTime: str | None = Field(
        None, pattern=r"^\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?$",
        description="The expert's wall-clock time, HH:MM. A time the clocks skip on a daylight-saving day is "
                    "refused (400). A time that happens twice (fall-back day) means the earlier one unless an "
                    'offset picks one: "01:30-05:00" is the second 01:30 in America/New_York.')


class CreateOrderIn(Schema):
    amount: float | None = Field(None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False,
                                 description="Rupees, as shown to the customer. Checked against the server's price "
                                             "(400 amount_mismatch), never trusted.")
    currency: str = Field("INR", pattern=r"^[A-Z]{3}$")
    notes: OrderNotesIn
    duration: SessionLength | None = Field(None, description="Minutes. Without it: the offered length whose price "
                                                             "equals amount, else 60 (as availability assumes).")
    startsAt: str | None = Field(None, max_length=40, json_schema_extra={"format": "date-time"},
                                 description="The instant instead of notes.sessionDate/sessionTime: ISO 8601 with its "
                                             "offset, e.g. 2026-11-01T06:30:00Z.")
    customerNote: str = Field("", max_length=CUSTOMER_NOTE_MAX_LENGTH,
                              description="Optional: what the customer would like to talk about, shown to the expert.")


class OrderOut(Schema):
    success: bool
    orderId: str = Field(description="Razorpay's order id: pass it to Checkout as order_id.")
    amount: int | float = Field(description="Rupees.")
    amountMinor: int = Field(description="Paise: pass it to Checkout as amount.")
    currency: str
    keyId: str
    sessionId: str = Field(description="The held booking's id.")
    holdExpiresAt: str = Field(pattern=ISO_INSTANT_PATTERN)
    startsAt: str = Field(pattern=ISO_INSTANT_PATTERN)
    duration: int


class VerifyIn(Schema):
    razorpay_order_id: str = Field(max_length=64)
    razorpay_payment_id: str = Field(max_length=64)
    razorpay_signature: str = Field(max_length=256)


class VerifyOut(Schema):
    success: bool
    sessionId: str
    status: str = Field(description="The booking's status: confirmed, awaiting_approval, or expired (refunded).")
    paymentId: str | None
    paymentStatus: str
    message: str
    redirectUrl: str


class WebhookOut(Schema):
    success: bool
    eventId: str
    duplicate: bool


def _starts_at(body: CreateOrderIn, expert_zone: str) -> datetime:
    if body.startsAt:
        return instant_from_text(body.startsAt, field="startsAt")
    if not body.notes.sessionDate or not body.notes.sessionTime:
        raise InvalidInput("Give notes.sessionDate and notes.sessionTime (the expert's local time), or startsAt.",
                           field="notes.sessionDate")
    day = calendar_day_from_text(body.notes.sessionDate, field="notes.sessionDate")
    try:
        wall = time.fromisoformat(body.notes.sessionTime)
    except ValueError:
        raise InvalidInput("notes.sessionTime must be a time as HH:MM.", field="notes.sessionTime") from None
    try:
        return wall_time_resolve(day=day, wall=wall, zone=ZoneInfo(expert_zone))
    except WallTimeError as error:
        raise InvalidInput(error.message, code="invalid_time", field="notes.sessionTime") from None


def _client_amount_minor(amount: float | None) -> int | None:
    if amount is None:
        return None
    try:
        value = Decimal(str(amount)) * 100
    except InvalidOperation:
        raise InvalidInput("amount must be a number.", field="amount") from None
    if not value.is_finite() or value != value.to_integral_value() or value < 0:
        raise InvalidInput("amount must be in rupees with at most two decimals.", field="amount")
    return int(value)


@router.post("/payments/create-order", auth=session_auth, response=answers({200: OrderOut}, 400, 401, 403, 404, 409, 410, 413, 429,
                                                                                 503),
             summary="Hold the slot and open a Razorpay order",
             description="The brief's body works as written: `amount`, `currency` and `notes{expertId, sessionDate, "
                         "sessionTime}`. The time is the expert's wall clock; see `notes.sessionTime` for "
                         "daylight-saving days, or send `startsAt`. Asking again for the same slot returns the same "
                         "hold and order. 409 `slot_taken` before any money moves, or `customer_busy` when "
                         "the customer already has a session or a live hold at an overlapping time (with any "
                         "expert); 410 `hold_expired` when the "
                         "hold ran out (or was given up) while the order was being opened; 503 when the payment "
                         "provider cannot be reached (nothing is held or charged).")
def create_order(request: AuthenticatedHttpRequest, body: CreateOrderIn):
    expert = expert_get(slug=body.notes.expertId, with_languages=False)
    if expert.user_id == request.user.pk:
        raise InvalidInput("You cannot book a session with yourself.", field="notes.expertId")
    client_amount_minor = _client_amount_minor(body.amount)
    duration = int(body.duration) if body.duration is not None else expert_session_length(
        expert=expert, amount_minor=client_amount_minor)
    checkout = payment_start(customer=request.user, expert=expert,
                             starts_at=_starts_at(body, expert.time_zone), duration_minutes=duration,
                             client_amount_minor=client_amount_minor, currency=body.currency,
                             customer_note=body.customerNote.strip())
    booking, payment = checkout.booking, checkout.payment
    if booking.hold_expires_at is None:  # payment_start holds the time until then
        raise ValueError(f"Booking {booking.pk} was checked out without a hold.")
    return {"success": True, "orderId": payment.gateway_order_id, "amount": minor_to_major(payment.amount_minor),
            "amountMinor": payment.amount_minor, "currency": payment.currency, "keyId": get_gateway().key_id,
            "sessionId": str(booking.public_id), "holdExpiresAt": booking.hold_expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "startsAt": booking.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "duration": booking.duration_minutes}


@router.post("/payments/verify", auth=session_auth, response=answers({200: VerifyOut}, 400, 401, 403, 404, 413, 503),
             summary="Verify Checkout's signed result and confirm the booking")
def verify(request: AuthenticatedHttpRequest, body: VerifyIn):
    payment = payment_verify(customer=request.user, order_id=body.razorpay_order_id,
                             payment_id=body.razorpay_payment_id, signature=body.razorpay_signature)
    booking = payment.booking
    booking.refresh_from_db()
    session_id = str(booking.public_id)
    return {"success": True, "sessionId": session_id, "status": booking.status, "paymentId": payment.gateway_payment_id,
            "paymentStatus": payment.status, "message": session_status_message(booking=booking),
            "redirectUrl": f"/booking/success?sessionId={session_id}&paymentId={payment.gateway_payment_id}"}


@router.post("/payments/webhook", response=answers({200: WebhookOut}, 400, 413),
             summary="Razorpay webhooks: signature checked on the raw body, stored once",
             description="No sign-in: the `X-Razorpay-Signature` header (HMAC-SHA256 of the raw body with the "
                         "webhook secret) and `X-Razorpay-Event-Id` are required.",
             openapi_extra={
                 "parameters": [
                     {"name": "X-Razorpay-Signature", "in": "header", "required": True,
                      "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
                     {"name": "X-Razorpay-Event-Id", "in": "header", "required": True,
                      "schema": {"type": "string", "minLength": 1, "maxLength": 60}}],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "description": "Razorpay's event, exactly as signed."}}}}})
def webhook(request: HttpRequest):
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("The webhook body is not UTF-8.") from None
    event, is_new = webhook_receive(body=body, signature=request.headers.get("X-Razorpay-Signature", ""),
                                    event_id=request.headers.get("X-Razorpay-Event-Id", ""))
    return {"success": True, "eventId": event.gateway_event_id, "duplicate": not is_new}
