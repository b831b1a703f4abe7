"""Checkout: start a payment (hold the slot, open one gateway order for it), verify Checkout's
signed result, and report the session a captured payment confirmed.

A double click sends the same create-order several times at once. Each copy gets the same hold
(booking_hold returns one's own hold) and then claims the order under the booking's row lock: the
first writes a Payment in state `creating` (at most one open order per booking is a database
constraint) with a receipt; a copy that finds the claim still `creating` renews it with a receipt
of its own. Each claimant asks the gateway for an order, outside any transaction, and the first to
record one under the booking's lock makes it the hold's order; a later one hands out that order
and leaves its own unused (nobody is ever given it: it cannot be paid). No copy waits for another:
waiting would keep a request, and its database connection, for as long as the other's gateway call.

The receipt is the latest claimant's token. A claimant whose gateway call failed removes the claim
and releases the hold, both under the booking's lock, only while the claim still carries its
receipt; when a later copy renewed it, that copy is still asking and decides, and the failed one
answers a clean "try again" (or hands out the order if one was recorded meanwhile). A claim whose
claimant died mid-call (older than claim_stale_after, never renewed) is removed by the sweep, and a
claimant that comes back after that answers "try again".
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from serene.accounts.models import User
from serene.bookings.lifecycle import PAID_AND_KEPT_STATUSES, SYSTEM, booking_move
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.services import booking_hold
from serene.core.errors import HoldExpired, InvalidInput, NotFound
from serene.bookings.locks import lock_booking, lock_bookings
from serene.core.locking import retry_on_lock_conflict
from serene.core.money import format_money, price_for_duration
from serene.experts.models import Expert

from .locks import PaymentLocked, lock_payment, lock_payment_after
from .errors import AmountMismatch, InvalidSignature
from .events import payment_sync
from .gateway import GatewayOrder, GatewayUnavailable, claim_stale_after, get_gateway
from .models import OPEN_STATUSES, Payment, PaymentStatus
from .payment_lifecycle import CHECKOUT, payment_create, payment_move

GATEWAY_FAILED_REASON = "The payment could not be started."


@dataclass(frozen=True)
class Checkout:
    booking: Booking
    payment: Payment


def payment_start(*, customer: User, expert: Expert, starts_at: datetime, duration_minutes: int,
                  client_amount_minor: int | None, currency: str, customer_note: str = "") -> Checkout:
    """Hold the slot and open a gateway order for the server's price. Repeating it, even at the
    same moment, returns the same hold and the same order."""
    if currency != expert.currency:
        raise InvalidInput(f"This expert charges in {expert.currency}.", field="currency")
    if duration_minutes in expert.offered_durations:
        price = price_for_duration(hourly_rate_minor=expert.hourly_rate_minor, duration_minutes=duration_minutes)
        if client_amount_minor is not None and client_amount_minor != price:
            raise AmountMismatch(f"The amount for this session is {format_money(price, expert.currency)}; "
                                 "the amount sent does not match.", field="amount")
    booking = booking_hold(customer=customer, expert=expert, starts_at=starts_at, duration_minutes=duration_minutes,
                           customer_note=customer_note)
    payment, receipt = _order_claim(booking_id=booking.pk)
    if receipt is None:
        return Checkout(booking=booking, payment=payment)  # the hold's order is open already
    local = booking.starts_at.astimezone(ZoneInfo(expert.time_zone))
    notes = {"expertId": expert.slug, "sessionDate": local.date().isoformat(), "sessionTime": local.strftime("%H:%M"),
             "bookingId": str(booking.public_id)}
    try:
        order = get_gateway().order_create(amount=payment.amount_minor, currency=payment.currency,
                                           receipt=receipt, notes=notes)
    except Exception as error:  # the gateway's errors, and any other: never leave a claim behind for nobody
        if not _order_claim_abandon(payment_id=payment.pk, receipt=receipt) and isinstance(error, GatewayUnavailable):
            # A later copy renewed the claim: it decides. If it has recorded its order, that is ours too.
            opened = Payment.objects.filter(pk=payment.pk).exclude(status=PaymentStatus.CREATING).first()
            if opened is not None:
                return Checkout(booking=booking, payment=opened)
        raise
    recorded = _order_claim_fulfil(payment_id=payment.pk, receipt=receipt, order=order)
    if recorded is None:
        raise GatewayUnavailable()  # the sweep removed the claim meanwhile, and the hold with it: try again
    if recorded.gateway_order_id == order.id:
        _schedule_reconciliation(payment=recorded, booking=booking)
    return Checkout(booking=booking, payment=recorded)


@retry_on_lock_conflict
@transaction.atomic
def _order_claim(*, booking_id: int) -> tuple[Payment, str | None]:
    """The booking's open order, or a claim on opening one. Returns (payment, the receipt to open the
    order with), the receipt None when the order is open already."""
    [booking] = lock_bookings(booking_ids=[booking_id])
    if (booking.status != BookingStatus.PENDING or booking.hold_expires_at is None  # a pending booking has one
            or booking.hold_expires_at <= timezone.now()):
        raise HoldExpired()
    existing = Payment.objects.filter(booking=booking, stray_of=None, status__in=OPEN_STATUSES).first()
    if existing is None:
        first = not booking.payments.exists()
        # The booking's id is the receipt (support finds it in the Dashboard); a later order of the
        # same booking needs another, since the gateway may hold an order under the first already.
        claim = payment_create(source=CHECKOUT, reason="Opening the gateway order.", booking=booking,
                               status=PaymentStatus.CREATING, amount_minor=booking.price_minor,
                               currency=booking.currency, receipt=str(booking.public_id) if first else uuid.uuid4().hex)
        return claim, claim.receipt
    if existing.status == PaymentStatus.CREATING:
        # A twin is asking the gateway (a double click), or died doing so. Ask too, under a receipt
        # of our own (the gateway refuses a receipt twice), rather than wait for it.
        existing.receipt = uuid.uuid4().hex
        existing.save(update_fields=["receipt", "updated_at"])
        return existing, existing.receipt
    return existing, None


def _lock_claim(*, payment_id: int, receipt: str) -> PaymentLocked | None:
    """Lock a claim after its expert and booking if it still carries `receipt` (it is still the
    claim of the copy that sent that receipt to the gateway); None once it was renewed by a later
    copy, fulfilled or removed."""
    booking_id = Payment.objects.filter(pk=payment_id).values_list("booking_id", flat=True).first()
    if booking_id is None:
        return None
    locked = lock_booking(booking_id=booking_id)
    # Under the booking's lock nobody else records, renews or removes the claim (all lock the booking first).
    if not Payment.objects.filter(pk=payment_id, status=PaymentStatus.CREATING, receipt=receipt).exists():
        return None
    return lock_payment_after(locked, payment_id=payment_id)


@retry_on_lock_conflict
@transaction.atomic
def _order_claim_fulfil(*, payment_id: int, receipt: str, order: GatewayOrder) -> Payment | None:
    """Record our gateway order on the claim if no twin recorded one first; return the hold's payment
    (with whichever order was recorded), or None when the claim was removed meanwhile."""
    row = Payment.objects.filter(pk=payment_id).values_list("booking_id", flat=True).first()
    if row is None:
        return None
    lock_bookings(booking_ids=[row])
    # Under the booking's lock nobody else records, renews or removes the claim (all lock the booking first).
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status != PaymentStatus.CREATING:
        return payment  # removed, or a twin's order was recorded first: ours stays unused
    payment = lock_payment(payment_id=payment_id)
    # The receipt becomes the recorded order's, which support finds in the Dashboard.
    return payment_move(payment=payment, to=PaymentStatus.CREATED, source=CHECKOUT,
                        reason=f"Gateway order {order.id} opened.",
                        changes={"gateway_order_id": order.id, "receipt": receipt})


@retry_on_lock_conflict
@transaction.atomic
def _order_claim_abandon(*, payment_id: int, receipt: str) -> bool:
    """Remove a claim whose gateway call failed (or whose claimant died), if it is still that claim;
    give the hold back unless an order of it is open. Returns whether it was removed."""
    locked = _lock_claim(payment_id=payment_id, receipt=receipt)
    if locked is None:
        return False  # fulfilled, renewed by a later copy, or removed meanwhile: not ours to remove
    locked.payment.delete()
    booking = locked.booking
    still_open = Payment.objects.filter(booking=booking, stray_of=None, status__in=OPEN_STATUSES).exists()
    if booking.status == BookingStatus.PENDING and not still_open:
        booking_move(booking=booking, to=BookingStatus.EXPIRED, actor=SYSTEM, reason=GATEWAY_FAILED_REASON)
    return True


def order_claims_clear_stale() -> int:
    """Remove order claims whose claimant died mid-call (the sweep); returns how many.

    A claim a later copy renewed meanwhile carries a new receipt and a fresh time, and is left to it."""
    stale = list(Payment.objects.filter(status=PaymentStatus.CREATING, updated_at__lte=timezone.now() - claim_stale_after())
                 .values_list("pk", "receipt"))
    return sum(_order_claim_abandon(payment_id=payment_id, receipt=receipt) for payment_id, receipt in stale)


def _schedule_reconciliation(*, payment: Payment, booking: Booking) -> None:
    from django_tasks import default_task_backend

    from .tasks import payment_reconcile
    if not default_task_backend.supports_defer:
        return
    if booking.hold_expires_at is None:
        raise ValueError(f"Booking {booking.pk} is checked out without a hold: nothing to reconcile after.")
    run_after = booking.hold_expires_at + timedelta(seconds=settings.RECONCILE_AFTER_HOLD_SECONDS)
    transaction.on_commit(lambda: payment_reconcile.using(run_after=run_after).enqueue(payment.gateway_order_id))


def payment_verify(*, customer: User, order_id: str, payment_id: str, signature: str) -> Payment:
    """The checkout success callback: check the signature, fetch the truth, apply it."""
    payment = Payment.objects.select_related("booking").filter(gateway_order_id=order_id, stray_of=None,
                                                               booking__customer=customer).first()
    if payment is None or payment.gateway_order_id is None:  # the filter matched it by its order id
        raise NotFound("We have no payment with that order id for your account.")
    # Signed over the order id we stored, never the one the browser sent back.
    if not get_gateway().checkout_signature_valid(order_id=payment.gateway_order_id, payment_id=payment_id,
                                                  signature=signature):
        raise InvalidSignature()
    payment_sync(gateway_payment_id=payment_id)
    payment.refresh_from_db()
    return payment


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
               .filter(gateway_payment_id=gateway_payment_id, stray_of=None, booking__customer=customer).first())
    if payment is None:
        raise InvalidInput("We have no payment with that id for your account.", code="invalid_payment", field="paymentId")
    booking = payment.booking
    if payment.status != PaymentStatus.CAPTURED or booking.status not in PAID_AND_KEPT_STATUSES:
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
