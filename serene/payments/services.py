"""Payment writes: start a payment (hold + gateway order), apply what the gateway says happened,
and refund a payment whose booking could not be kept.

Invariant 3 (no paid money is lost) lives in payment_apply: every captured payment ends in a
confirmed (or awaiting-approval) booking or in a refund. Invariant 4 (exactly once): verify,
webhooks and reconciliation all go through payment_apply, which locks the Payment row and only
moves states forward, so any number of them confirm a booking once.
Gateway calls never run inside a database transaction.
"""
from __future__ import annotations

import logging
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from serene.accounts.models import User
from serene.bookings.lifecycle import booking_set_money_outcome
from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.bookings.services import booking_confirm_paid, booking_hold, booking_release_hold
from serene.core.locking import lock_rows, retry_on_lock_conflict
from serene.core.errors import AppError, InvalidInput, NotFound
from serene.core.money import format_money, price_for_duration
from serene.experts.models import Expert

from .gateway import GatewayPayment, get_gateway
from .models import Payment, PaymentStatus, Refund, WebhookEvent
from .razorpay import PaymentRejected

logger = logging.getLogger(__name__)

LATE_PAYMENT_REFUND_REASON = ("Your payment arrived after your hold on this time ran out, and someone else had "
                              "booked it meanwhile. We refunded the full amount.")


class AmountMismatch(InvalidInput):
    code = "amount_mismatch"


class InvalidSignature(InvalidInput):
    code = "invalid_signature"
    default_message = "The payment confirmation could not be verified. Nothing was changed."


@dataclass(frozen=True)
class Checkout:
    booking: Booking
    payment: Payment


def payment_start(*, customer: User, expert: Expert, starts_at: datetime, duration_minutes: int,
                  client_amount_minor: int | None, currency: str) -> Checkout:
    """Hold the slot and open a gateway order for the server's price. Repeating it returns the same."""
    if currency != expert.currency:
        raise InvalidInput(f"This expert charges in {expert.currency}.", field="currency")
    if duration_minutes in expert.offered_durations:
        price = price_for_duration(hourly_rate_minor=expert.hourly_rate_minor, duration_minutes=duration_minutes)
        if client_amount_minor is not None and client_amount_minor != price:
            raise AmountMismatch(f"The amount for this session is {format_money(price, expert.currency)}; "
                                 "the amount sent does not match.", field="amount")
    booking = booking_hold(customer=customer, expert=expert, starts_at=starts_at, duration_minutes=duration_minutes)
    existing = _open_payment_of(booking)
    if existing is not None:
        return Checkout(booking=booking, payment=existing)
    local = booking.starts_at.astimezone(ZoneInfo(expert.time_zone))
    notes = {"expertId": expert.slug, "sessionDate": local.date().isoformat(), "sessionTime": local.strftime("%H:%M"),
             "bookingId": str(booking.public_id)}
    try:
        order = get_gateway().order_create(amount=booking.price_minor, currency=booking.currency,
                                           receipt=str(booking.public_id), notes=notes)
    except AppError:
        existing = _open_payment_of(booking)  # a concurrent twin of this request may have opened it
        if existing is not None:
            return Checkout(booking=booking, payment=existing)
        booking_release_hold(booking_id=booking.pk, reason="The payment could not be started.")
        raise
    with transaction.atomic():
        lock_rows(booking_ids=[booking.pk])
        existing = _open_payment_of(booking)
        if existing is not None:  # lost a race with a double click; that order stays unused and unpaid
            return Checkout(booking=booking, payment=existing)
        payment = Payment.objects.create(booking=booking, gateway_order_id=order.id, amount_minor=order.amount,
                                         currency=order.currency)
    _schedule_reconciliation(payment=payment, booking=booking)
    return Checkout(booking=booking, payment=payment)


def _open_payment_of(booking: Booking) -> Payment | None:
    return (Payment.objects.filter(booking=booking, status__in=[PaymentStatus.CREATED, PaymentStatus.ATTEMPTED])
            .order_by("created_at").first())


def _schedule_reconciliation(*, payment: Payment, booking: Booking) -> None:
    from django_tasks import default_task_backend

    from .tasks import payment_reconcile
    if not default_task_backend.supports_defer:
        return
    run_after = booking.hold_expires_at + timedelta(seconds=settings.RECONCILE_AFTER_HOLD_SECONDS)
    transaction.on_commit(lambda: payment_reconcile.using(run_after=run_after).enqueue(payment.gateway_order_id))


@dataclass(frozen=True)
class SessionReport:
    booking: Booking
    payment: Payment
    first_time: bool


def session_report(*, customer: User, gateway_payment_id: str, expert_slug: str, scheduled_date: str,
                   scheduled_time: str, duration_minutes: int) -> SessionReport:
    """The brief's POST /sessions: the booking this customer's captured payment confirmed.

    Reports whether this is the first time it was asked for (the brief answers 201, then 200).
    """
    payment = (Payment.objects.select_related("booking__expert__user", "booking__expert__category")
               .filter(gateway_payment_id=gateway_payment_id, booking__customer=customer).first())
    if payment is None:
        raise InvalidInput("We have no payment with that id for your account.", code="invalid_payment", field="paymentId")
    booking = payment.booking
    if payment.status != PaymentStatus.CAPTURED or booking.status not in (BookingStatus.CONFIRMED,
                                                                           BookingStatus.AWAITING_APPROVAL):
        raise InvalidInput("That payment has not confirmed a session (it is not captured, or it was refunded).",
                           code="invalid_payment", field="paymentId")
    local = booking.starts_at.astimezone(ZoneInfo(booking.expert.time_zone))
    sent = {"expertId": expert_slug, "scheduledDate": scheduled_date, "scheduledTime": scheduled_time,
            "duration": duration_minutes}
    expected = {"expertId": booking.expert.slug, "scheduledDate": local.date().isoformat(),
                "scheduledTime": local.strftime("%H:%M"), "duration": booking.duration_minutes}
    for field, value in expected.items():
        if sent[field] != value:
            raise InvalidInput(f"{field} does not match the session this payment confirmed ({value}).", field=field)
    first_time = bool(Payment.objects.filter(pk=payment.pk, session_reported_at=None)
                      .update(session_reported_at=timezone.now()))
    return SessionReport(booking=booking, payment=payment, first_time=first_time)


def payment_verify(*, customer: User, order_id: str, payment_id: str, signature: str) -> Payment:
    """The checkout success callback: check the signature, fetch the truth, apply it."""
    payment = Payment.objects.select_related("booking").filter(gateway_order_id=order_id,
                                                               booking__customer=customer).first()
    if payment is None:
        raise NotFound("We have no payment with that order id for your account.")
    gateway = get_gateway()
    # Signed over the order id we stored, never the one the browser sent back.
    if not gateway.checkout_signature_valid(order_id=payment.gateway_order_id, payment_id=payment_id,
                                            signature=signature):
        raise InvalidSignature()
    payment_sync(gateway_payment_id=payment_id)
    payment.refresh_from_db()
    return payment


def payment_sync(*, gateway_payment_id: str) -> None:
    """Fetch one payment from the gateway, capture it if it is only authorised, and apply it."""
    gateway = get_gateway()
    snapshot = gateway.payment_fetch(gateway_payment_id)
    if snapshot.status == "authorized":
        payment = Payment.objects.filter(gateway_order_id=snapshot.order_id).first()
        if payment is not None:
            try:
                snapshot = gateway.payment_capture(snapshot.id, amount=snapshot.amount, currency=snapshot.currency)
            except PaymentRejected:
                snapshot = gateway.payment_fetch(gateway_payment_id)  # captured meanwhile by someone else
    payment_apply(snapshot=snapshot)


def payment_apply(*, snapshot: GatewayPayment) -> None:
    """Apply a gateway payment to our records; refund it if its booking cannot be kept."""
    needs_refund = _apply_in_transaction(snapshot)
    if needs_refund is not None:
        payment_refund_in_full(payment_id=needs_refund, reason=LATE_PAYMENT_REFUND_REASON)


@retry_on_lock_conflict
@transaction.atomic
def _apply_in_transaction(snapshot: GatewayPayment) -> int | None:
    found = (Payment.objects.filter(gateway_order_id=snapshot.order_id)
             .values_list("pk", "booking_id", "booking__expert_id").first())
    if found is None:
        logger.warning("Gateway payment %s is for order %s, which is not ours", snapshot.id, snapshot.order_id)
        return None
    payment_pk, booking_id, expert_id = found
    locked = lock_rows(expert_id=expert_id, booking_ids=[booking_id], payment_id=payment_pk)
    payment = locked.payment
    if snapshot.amount != payment.amount_minor or snapshot.currency != payment.currency:
        logger.error("Gateway payment %s amount %s %s differs from order %s", snapshot.id, snapshot.amount,
                     snapshot.currency, payment.gateway_order_id)
        return None
    if snapshot.status in ("created", "authorized"):
        if payment.status == PaymentStatus.CREATED:
            payment.status = PaymentStatus.ATTEMPTED
            payment.save(update_fields=["status", "updated_at"])
        return None
    if snapshot.status == "failed":
        if payment.status in (PaymentStatus.CREATED, PaymentStatus.ATTEMPTED):
            payment.status = PaymentStatus.ATTEMPTED
            payment.error_code = snapshot.error_reason or snapshot.error_code or ""
            payment.error_description = (snapshot.error_description or "")[:240]
            payment.save(update_fields=["status", "error_code", "error_description", "updated_at"])
        return None
    # captured (or already refunded at the gateway): money has moved.
    if payment.status in (PaymentStatus.CREATED, PaymentStatus.ATTEMPTED, PaymentStatus.FAILED):
        payment.status = PaymentStatus.CAPTURED
        payment.gateway_payment_id = snapshot.id
        payment.method = snapshot.method
        payment.captured_at = timezone.now()
        payment.error_code = payment.error_description = ""
        payment.save()
    elif payment.gateway_payment_id != snapshot.id:
        logger.error("Order %s has a second captured payment %s", payment.gateway_order_id, snapshot.id)
        return None
    if payment.status != PaymentStatus.CAPTURED or payment.refunds.exists():
        return None
    if booking_confirm_paid(locked=locked):
        return None
    booking_set_money_outcome(booking=locked.booking, outcome=MoneyOutcome.REFUND_PENDING,
                              reason="Paid after the hold ran out, and the time was taken: a full refund is due.")
    return payment.pk


def payment_refund_in_full(*, payment_id: int, reason: str) -> Refund | None:
    """Refund a captured payment in full, once, whatever happens in between."""
    payment = Payment.objects.get(pk=payment_id)
    existing = payment.refunds.first()
    if existing is not None:
        return existing
    gateway = get_gateway()
    try:
        refund = gateway.payment_refund(payment.gateway_payment_id, amount=payment.amount_minor,
                                        receipt=f"refund-{payment.booking.public_id}"[:40],
                                        notes={"reason": reason[:250]})
        refunds = [refund]
    except PaymentRejected:
        refunds = gateway.payment_refunds(payment.gateway_payment_id)  # refunded already by an earlier try
        if not refunds:
            raise
    with transaction.atomic():
        locked = lock_rows(booking_ids=[payment.booking_id], payment_id=payment_id)
        payment = locked.payment
        for item in refunds:
            try:
                with transaction.atomic():
                    Refund.objects.get_or_create(gateway_refund_id=item.id, defaults={
                        "payment": payment, "amount_minor": item.amount, "reason": reason[:240], "status": item.status})
            except IntegrityError:
                pass
        refunded = sum(item.amount for item in refunds)
        payment.status = PaymentStatus.REFUNDED if refunded >= payment.amount_minor else PaymentStatus.PARTIALLY_REFUNDED
        payment.save(update_fields=["status", "updated_at"])
        booking_set_money_outcome(
            booking=locked.booking, reason=reason,
            outcome=MoneyOutcome.REFUNDED_IN_FULL if refunded >= payment.amount_minor else MoneyOutcome.REFUNDED_IN_PART)
    return payment.refunds.first()


def payment_reconcile(*, order_id: str) -> None:
    """Ask the gateway for an order's payments and apply any we have not seen (lost webhook, closed tab)."""
    gateway = get_gateway()
    for snapshot in gateway.order_payments(order_id):
        if snapshot.status == "authorized":
            payment_sync(gateway_payment_id=snapshot.id)
        elif snapshot.status in ("captured", "refunded", "failed"):
            payment_apply(snapshot=snapshot)


def payments_sweep(*, older_than: timedelta, within: timedelta = timedelta(days=7)) -> int:
    """Re-drive every payment that may not have reached its end, and return how many were asked about.

    Open orders whose hold ran out at least `older_than` ago, and captured payments whose booking is
    neither confirmed nor awaiting approval yet have no refund (a refund interrupted by a crash).
    """
    now = timezone.now()
    open_orders = Payment.objects.filter(status__in=[PaymentStatus.CREATED, PaymentStatus.ATTEMPTED],
                                         booking__hold_expires_at__lte=now - older_than,
                                         created_at__gte=now - within)
    stranded = (Payment.objects.filter(status=PaymentStatus.CAPTURED, refunds__isnull=True, created_at__gte=now - within)
                .exclude(booking__status__in=[BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL,
                                              BookingStatus.COMPLETED, BookingStatus.NO_SHOW]))
    order_ids = sorted(set(open_orders.values_list("gateway_order_id", flat=True))
                       | set(stranded.values_list("gateway_order_id", flat=True)))
    for order_id in order_ids:
        try:
            payment_reconcile(order_id=order_id)
        except AppError as error:  # one unreachable order must not stop the sweep
            logger.warning("Reconciling %s failed: %s", order_id, error.message)
    return len(order_ids)


# --- Webhooks ------------------------------------------------------------------------------------

def webhook_receive(*, body: str, signature: str, event_id: str) -> tuple[WebhookEvent, bool]:
    """Check the signature over the raw body and store the event once. Returns (event, is_new)."""
    if not signature or not get_gateway().webhook_signature_valid(body=body, signature=signature):
        raise InvalidSignature("The webhook signature does not match.")
    if not event_id or len(event_id) > 60:
        raise InvalidInput("The X-Razorpay-Event-Id header is missing.", field="X-Razorpay-Event-Id")
    try:
        event_type = str(json.loads(body).get("event", ""))[:60]
    except (ValueError, AttributeError):
        raise InvalidInput("The webhook body is not a JSON object.") from None
    with transaction.atomic():
        event, created = WebhookEvent.objects.get_or_create(gateway_event_id=event_id,
                                                            defaults={"event_type": event_type, "body": body})
        if created:
            from .tasks import webhook_handle
            transaction.on_commit(lambda: webhook_handle.enqueue(event.pk))
    return event, created


def webhook_handle_event(*, event_pk: int) -> None:
    """Act on a stored event by re-fetching the truth from the gateway; at most once per event."""
    event = WebhookEvent.objects.get(pk=event_pk)
    if event.handled_at is not None:
        return
    payload = json.loads(event.body).get("payload", {})
    try:
        if event.event_type.startswith("payment.") or event.event_type == "order.paid":
            payment_id = payload.get("payment", {}).get("entity", {}).get("id")
            if payment_id:
                payment_sync(gateway_payment_id=payment_id)
        elif event.event_type.startswith("refund."):
            refund = payload.get("refund", {}).get("entity", {})
            Refund.objects.filter(gateway_refund_id=refund.get("id")).update(status=refund.get("status", "processed"))
    except AppError as error:
        WebhookEvent.objects.filter(pk=event_pk).update(error=error.message[:240])
        raise
    WebhookEvent.objects.filter(pk=event_pk).update(handled_at=timezone.now(), error="")
