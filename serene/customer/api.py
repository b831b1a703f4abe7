"""The sessions API (the brief's name for bookings): report a paid booking, read one, list mine, and
the moves of either side (accept, decline, cancel, no-show, reschedule, review).

A session's answer carries its payment, refund and video room, so it is composed here, above the
domain apps, like the session page."""
from __future__ import annotations

import json
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Body, Field, Path, Query, Router, Schema, Status
from pydantic import WithJsonSchema

from serene.accounts.requests import AuthenticatedHttpRequest
from serene.bookings import selectors
from serene.bookings.models import Booking
from serene.bookings.moves import actor_for, booking_approve, booking_mark_no_show
from serene.bookings.reviews import booking_review
from serene.bookings.services import booking_reschedule
from serene.core.api_common import DATE_PATTERN, ISO_INSTANT_PATTERN, answers, session_auth
from serene.core.date_input import calendar_day_from_text, instant_from_text
from serene.core.errors import InvalidInput
from serene.core.money import minor_to_major
from serene.core.pagination import CURSOR_MAX_LENGTH, DEFAULT_LIMIT, MAX_LIMIT
from serene.experts.api import EXPERT_ID_PATTERN, SessionLength, avatar_url
from serene.payments.cancellations import booking_cancel_with_refund, booking_reject_with_refund
from serene.payments.checkout import session_report
from serene.payments.models import Payment
from serene.payments.selectors import payment_paid_for, payment_refund_shown, payment_refunded_minor, payments_paid_for
from serene.video.api import session_room_json

router = Router(tags=["sessions"])


class SessionIn(Schema):
    expertId: str = Field(pattern=EXPERT_ID_PATTERN, examples=["sarah-khan"])
    scheduledDate: str = Field(pattern=DATE_PATTERN, json_schema_extra={"format": "date"},
                               description="The expert's date, YYYY-MM-DD.")
    scheduledTime: str = Field(pattern=r"^\d{2}:\d{2}$", description="The expert's wall-clock time, HH:MM.")
    duration: SessionLength
    paymentId: str = Field(max_length=64, description="Razorpay's payment id from Checkout.")


class SessionExpertOut(Schema):
    id: str
    name: str
    avatar: str
    category: str
    timezone: str


class RefundOut(Schema):
    id: str | None = Field(description="Razorpay's refund id; null while the request is on its way to Razorpay.")
    amount: int | float = Field(description="Rupees.")
    status: str = Field(description="created (under way), processed or failed.")


class SessionOut(Schema):
    id: str
    userId: str = Field(description="The customer's user id.")
    expertId: str
    expert: SessionExpertOut
    scheduledDate: str = Field(json_schema_extra={"format": "date"}, description="The expert's date.")
    scheduledTime: str = Field(description="HH:MM on the expert's clock.")
    timezone: str = Field(description="The expert's IANA zone.")
    customerDate: str = Field(json_schema_extra={"format": "date"})
    customerTime: str
    customerTimezone: str
    startsAt: str = Field(pattern=ISO_INSTANT_PATTERN)
    endsAt: str = Field(pattern=ISO_INSTANT_PATTERN)
    duration: int
    amount: int | float = Field(description="Rupees.")
    amountMinor: int
    currency: str
    paymentId: str | None
    paymentStatus: str | None
    refund: RefundOut | None = Field(description="The latest refund under way or processed; else, when every one "
                                                 "failed, the latest failed one.")
    refundedAmount: int | float = Field(description="Rupees given back so far (processed refunds).")
    status: str = Field(description="pending, awaiting_approval, confirmed, rejected, completed, no-show, cancelled "
                                    "or expired.")
    statusMessage: str
    holdExpiresAt: str | None
    roomId: str | None = Field(description="The video room's unguessable id, once the session is confirmed.")
    joinUrl: str | None = Field(description="The video room's page (opens SESSION_JOIN_OPENS_MINUTES before the "
                                            "start), once the session is confirmed.")


class SessionResponse(SessionOut):
    """The brief's fields at the top level, as in its example; the same object again under session."""

    success: bool
    session: SessionOut


class SessionListOut(Schema):
    success: bool
    sessions: list[SessionOut]
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class SessionListQuery(Schema):
    when: Literal["upcoming", "past"] = "upcoming"
    role: Literal["customer", "expert"] | None = Field(
        None, description="Only the sessions I booked (customer) or the ones booked with me (expert); default both.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                       description=f"Sessions per page, 1 to {MAX_LIMIT}.")
    cursor: str | None = Field(None, max_length=CURSOR_MAX_LENGTH,
                               description="The `nextCursor` of the previous page; omit for the first page. Upcoming "
                                           "sessions come soonest first, past ones newest first.")


def session_as_json(request: HttpRequest, booking: Booking, payment: Payment | None = None, *,
                    payment_known: bool = False) -> dict:
    expert = booking.expert
    expert_zone = ZoneInfo(expert.time_zone)
    viewer_zone = ZoneInfo(booking.customer_time_zone or expert.time_zone)
    starts_local = booking.starts_at.astimezone(expert_zone)
    viewer_local = booking.starts_at.astimezone(viewer_zone)
    if payment is None and not payment_known:
        payment = payment_paid_for(booking=booking)
    refund = payment_refund_shown(payment=payment) if payment is not None else None
    return {
        "id": str(booking.public_id),
        "userId": str(booking.customer_id),
        "expertId": expert.slug,
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
        "refundedAmount": minor_to_major(payment_refunded_minor(payment=payment)) if payment else 0,
        "status": booking.status,
        "statusMessage": selectors.session_status_message(booking=booking),
        "holdExpiresAt": booking.hold_expires_at.strftime("%Y-%m-%dT%H:%M:%SZ") if booking.hold_expires_at else None,
        **session_room_json(request, booking),
    }


def _session_response(request: HttpRequest, booking: Booking, payment: Payment | None = None) -> dict:
    session = session_as_json(request, booking, payment)
    return {"success": True, **session, "session": session}


@router.post("/sessions", auth=session_auth, response=answers({200: SessionResponse, 201: SessionResponse},
                                                               400, 401, 403, 413),
             summary="The booking a captured payment confirmed (201 first, then 200)")
def create_session(request: AuthenticatedHttpRequest, body: SessionIn):
    calendar_day_from_text(body.scheduledDate, field="scheduledDate")
    report = session_report(customer=request.user, gateway_payment_id=body.paymentId, expert_slug=body.expertId,
                            scheduled_date=body.scheduledDate, scheduled_time=body.scheduledTime,
                            duration_minutes=int(body.duration))
    return Status(201 if report.first_time else 200, _session_response(request, report.booking, report.payment))


@router.get("/sessions", auth=session_auth, response=answers({200: SessionListOut}, 400, 401),
            summary="My sessions, upcoming or past: as the customer, as the expert, or both")
def list_sessions(request: AuthenticatedHttpRequest, params: Query[SessionListQuery]):
    page = selectors.booking_page_for(user=request.user, upcoming=params.when == "upcoming", role=params.role,
                                      cursor=params.cursor, limit=params.limit)
    payments = payments_paid_for(bookings=page.items)  # constant queries, however many sessions
    return {"success": True, "nextCursor": page.next_cursor,
            "sessions": [session_as_json(request, booking, payments.get(booking.pk), payment_known=True)
                         for booking in page.items]}


# Every /sessions/{session_id} route: an id that is not a UUID is a session that does not exist (the
# same 404 not_found as an unknown id or someone else's), not a 400 about its shape.
SessionId = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"}),
                      Path(..., description="The session's id, a UUID. Anything else answers 404 not_found, as an "
                                            "unknown id does.")]


@router.get("/sessions/{session_id}", auth=session_auth, response=answers({200: SessionResponse}, 400, 401, 404),
            summary="One session, to its customer and expert only")
def get_session(request: AuthenticatedHttpRequest, session_id: SessionId):
    booking = selectors.booking_get_for(user=request.user, public_id=session_id)
    return _session_response(request, booking)


# --- moves: the expert answers, either side cancels, the expert records a no-show ---------------

class ReasonIn(Schema):
    reason: str = Field("", max_length=240, description="Why, in a sentence the other side reads.")


class RequiredReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=240, description="Why, in a sentence the customer reads.")


def _reason(text: str, *, required: bool) -> str:
    reason = text.strip()
    if required and not reason:
        raise InvalidInput("Please give a reason: the customer reads it.", field="reason")
    return reason


def _optional_reason(request: HttpRequest, body: ReasonIn | None, *, required: bool) -> str:
    """The reason from an optional body. ninja reads a body that is not a JSON object ([], 5, null)
    as one without a reason, so a cancel would go ahead on garbage: such a body is refused."""
    if request.body.strip() and not isinstance(json.loads(request.body), dict):  # ninja has parsed it once
        raise InvalidInput('The body must be a JSON object such as {"reason": "…"}, or empty.')
    return _reason(body.reason if body else "", required=required)


def _moved(request: AuthenticatedHttpRequest, booking: Booking) -> dict:
    return _session_response(request, selectors.booking_get_for(user=request.user, public_id=str(booking.public_id)))


MOVE_ERRORS = (400, 401, 403, 404, 409, 413, 503)


@router.post("/sessions/{session_id}/accept", auth=session_auth, response=answers({200: SessionResponse}, *MOVE_ERRORS),
             summary="The expert (or staff) accepts a session awaiting approval",
             description="400 too_late once the session has started; 403 forbidden for its customer; 409 "
                         "move_not_allowed when it is not awaiting approval (already answered, or declined "
                         "automatically at the approval deadline).")
def accept_session(request: AuthenticatedHttpRequest, session_id: SessionId):
    booking = selectors.booking_get_for(user=request.user, public_id=session_id)
    return _moved(request, booking_approve(booking_id=booking.pk, by=request.user))


@router.post("/sessions/{session_id}/reject", auth=session_auth, response=answers({200: SessionResponse}, *MOVE_ERRORS),
             summary="The expert (or staff) declines a session awaiting approval; the customer is refunded in full",
             description="The refund is asked of the gateway before the answer; `refund` shows its state (a refund "
                         "the gateway cannot take now stays owed, and the sweep asks again). 403 forbidden for its "
                         "customer; 409 move_not_allowed when it is not awaiting approval.")
def reject_session(request: AuthenticatedHttpRequest, session_id: SessionId, body: RequiredReasonIn):
    booking = selectors.booking_get_for(user=request.user, public_id=session_id)
    reason = _reason(body.reason, required=True)
    return _moved(request, booking_reject_with_refund(booking_id=booking.pk, by=request.user, reason=reason))


@router.post("/sessions/{session_id}/cancel", auth=session_auth, response=answers({200: SessionResponse}, *MOVE_ERRORS),
             summary="Cancel a session: its customer, its expert or staff",
             description="The time is freed at once. The expert or staff cancelling refunds the customer in full and "
                         "must give a reason; the customer cancelling at least CANCELLATION_WINDOW_HOURS before the "
                         "start is refunded in full, later nothing. 400 too_late once it has started; 409 "
                         "move_not_allowed from a state that cannot be cancelled (an expert declines a session "
                         "awaiting approval with /reject).")
def cancel_session(request: AuthenticatedHttpRequest, session_id: SessionId, body: ReasonIn = Body(None)):
    booking = selectors.booking_get_for(user=request.user, public_id=session_id)
    actor = actor_for(user=request.user, booking=booking)
    reason = _optional_reason(request, body, required=actor != "customer")
    return _moved(request, booking_cancel_with_refund(booking_id=booking.pk, by=request.user, reason=reason))


@router.post("/sessions/{session_id}/no-show", auth=session_auth,
             response=answers({200: SessionResponse}, *MOVE_ERRORS),
             summary="The expert (or staff) records that the customer did not come",
             description="Only once the session has started (400 too_early before); the payment is kept. 403 "
                         "forbidden for its customer.")
def no_show_session(request: AuthenticatedHttpRequest, session_id: SessionId, body: ReasonIn = Body(None)):
    booking = selectors.booking_get_for(user=request.user, public_id=session_id)
    reason = _optional_reason(request, body, required=False)
    return _moved(request, booking_mark_no_show(booking_id=booking.pk, by=request.user, reason=reason))


# --- the customer's moves: reschedule, review ------------------------------------------------------

class RescheduleIn(Schema):
    startsAt: str = Field(max_length=40, json_schema_extra={"format": "date-time"},
                          examples=["2026-12-08T09:30:00Z"], description="The new start, an instant with its offset; one of the expert's free times "
                                      "for the session's length.")


class ReviewIn(Schema):
    rating: int = Field(ge=1, le=5, description="1 to 5 stars.")
    review: str = Field("", max_length=2000, description="Optional words, shown on the expert's profile.")


@router.post("/sessions/{session_id}/reschedule", auth=session_auth,
             response=answers({200: SessionResponse}, 400, 401, 403, 404, 409, 413, 503),
             summary="The customer (or staff) moves a confirmed session to another free time; no new payment",
             description="Same expert and length, through the same slot engine and no-overlap guarantee as a new "
                         "booking. 400 invalid (no time zone), slot_unavailable (not a bookable time), too_late (less "
                         "than CANCELLATION_WINDOW_HOURS before the start), reschedule_limit (moved MAX_RESCHEDULES "
                         "times already) or not_reschedulable (not confirmed); 403 forbidden for the expert; 409 "
                         "slot_taken when someone else holds or booked that time, customer_busy when the customer "
                         "already has another session (or a live hold) overlapping it. Both sides get the updated "
                         "calendar invite (same UID, higher SEQUENCE).")
def reschedule_session(request: AuthenticatedHttpRequest, session_id: SessionId, body: RescheduleIn):
    booking = selectors.booking_get_for(user=request.user, public_id=session_id)
    starts_at = instant_from_text(body.startsAt, field="startsAt")
    return _moved(request, booking_reschedule(booking_id=booking.pk, by=request.user, starts_at=starts_at))


@router.post("/sessions/{session_id}/review", auth=session_auth,
             response=answers({200: SessionResponse}, 400, 401, 403, 404, 409, 413, 503),
             summary="The customer rates a completed session 1 to 5, with optional words, once",
             description="400 not_completed before the session has taken place (or when it was cancelled); 403 "
                         "forbidden for anyone but its customer; 409 already_reviewed the second time. The expert's "
                         "average and count are recomputed from the real reviews.")
def review_session(request: AuthenticatedHttpRequest, session_id: SessionId, body: ReviewIn):
    booking = selectors.booking_get_for(user=request.user, public_id=session_id)
    return _moved(request, booking_review(booking_id=booking.pk, by=request.user, rating=body.rating,
                                          review=body.review))
