"""Refunds Serene makes: record that a payment's money goes back in full, then ask the gateway for
what it still owes, once at a time (the lifecycle is in refund_lifecycle.py, what the gateway
reports of refunds in refund_sync.py).

Serene's own refunds are claimed (a row with its receipt, in state created) before the gateway is
asked, so two callers never refund twice, a webhook about the refund that arrives before the
gateway has answered finds its claim, and a crash in between is matched up later by the receipt.
A refund the gateway fails is asked for again, up to REFUND_ATTEMPTS; then the payment is flagged
for staff (needs_attention) and its booking's money outcome becomes refund_failed. Gateway calls
run outside transactions.
"""
from __future__ import annotations

from django.conf import settings
from django.db import transaction

from serene.accounts.models import User
from serene.bookings.lifecycle import STAFF, booking_record_note, booking_set_money_outcome
from serene.bookings.models import Booking, MoneyOutcome
from serene.core.errors import Conflict, InvalidInput
from serene.core.locking import retry_on_lock_conflict
from serene.core.money import format_money

from .gateway import GatewayRefundStatus, GatewayRefused, GatewayUnavailable, get_gateway
from .models import MONEY_MOVED_STATUSES, Payment, Refund, RefundStatus
from .locks import lock_payment_with_booking
from .refund_lifecycle import (LIVE_STATUSES, booking_outcome_from_refunds, payment_flag, refund_create,
                               refund_move)
from .refund_sync import payment_refunds_sync, refunds_record

RECEIPT_PREFIX = "serene-refund-"


def payment_owe_in_full(*, payment: Payment, booking: Booking, reason: str) -> None:
    """Record, under the caller's locks, that a payment's money goes back in full; settle it after commit."""
    if payment.refund_reason:
        return
    payment.refund_reason = reason[:240]
    payment.save(update_fields=["refund_reason", "updated_at"])
    if payment.stray_of_id is None:
        booking_set_money_outcome(booking=booking, outcome=MoneyOutcome.REFUND_PENDING, reason=reason)


def payment_refund_settle(*, payment_id: int, sync: bool = False) -> None:
    """Bring a payment's money to its end: record what the gateway did with its refunds (when `sync`,
    or when one of ours is still open), then refund whatever it still owes. Safe to repeat anywhere."""
    if sync or _has_open_refunds(payment_id):
        payment_refunds_sync(payment_id=payment_id)
    for _ in range(settings.REFUND_ATTEMPTS + 1):
        claim = _refund_claim(payment_id=payment_id)
        if claim is None:
            return
        payment = claim.payment
        if payment.gateway_payment_id is None or claim.receipt is None:  # claimed of a captured payment, with a receipt
            raise ValueError(f"Refund row {claim.pk} names no gateway payment or no receipt to ask the refund with.")
        try:
            made = get_gateway().payment_refund(payment.gateway_payment_id, amount=claim.amount_minor,
                                                receipt=claim.receipt, notes={"reason": claim.reason[:250]})
        except GatewayRefused as error:
            # The gateway said no: nothing was made. Record why, and learn what it has (refunded meanwhile?).
            _refund_refused(refund_id=claim.pk, reason=f"The payment provider refused the refund: {error.message}")
            payment_refunds_sync(payment_id=payment_id)
            continue
        refunds_record(payment_id=payment_id, gateway_refunds=[made], complete=False)
        if made.status != GatewayRefundStatus.FAILED:
            return


def _has_open_refunds(payment_id: int) -> bool:
    return Refund.objects.filter(payment_id=payment_id, status=RefundStatus.CREATED).exists()


@retry_on_lock_conflict
@transaction.atomic
def _refund_claim(*, payment_id: int) -> Refund | None:
    """Claim the next refund attempt of what the payment still owes, or None when nothing is to be asked now."""
    locked = lock_payment_with_booking(payment_id=payment_id)
    payment, booking = locked.payment, locked.booking
    if not payment.refund_reason or payment.needs_attention or payment.status not in MONEY_MOVED_STATUSES:
        return None
    refunds = list(payment.refunds.order_by("pk"))
    if any(refund.status == RefundStatus.CREATED and refund.gateway_refund_id is None for refund in refunds):
        return None  # a request is in flight (or stranded: the sweep's sync resolves it)
    owed = payment.amount_minor - sum(refund.amount_minor for refund in refunds if refund.status in LIVE_STATUSES)
    if owed <= 0:
        return None
    failed = [refund for refund in refunds if refund.status == RefundStatus.FAILED and not refund.external]
    if len(failed) >= settings.REFUND_ATTEMPTS:
        payment_flag(payment=payment, booking=booking, reason=(
            f"The payment provider failed {len(failed)} refunds of this payment; the last: "
            f"{(failed[-1].failure_reason or 'no reason given').rstrip('.')}. Refund it by hand."))
        return None
    claim = refund_create(payment=payment, receipt=f"{RECEIPT_PREFIX}{payment.pk}-{len(refunds) + 1}",
                          amount_minor=owed, reason=payment.refund_reason, status=RefundStatus.CREATED)
    booking_outcome_from_refunds(payment=payment, booking=booking)
    return claim


@retry_on_lock_conflict
@transaction.atomic
def _refund_refused(*, refund_id: int, reason: str) -> None:
    payment_id = Refund.objects.values_list("payment_id", flat=True).get(pk=refund_id)
    locked = lock_payment_with_booking(payment_id=payment_id)
    refund = Refund.objects.get(pk=refund_id)
    if refund.status == RefundStatus.CREATED and refund.gateway_refund_id is None:
        refund_move(refund=refund, to=RefundStatus.FAILED, reason=reason)
    booking_outcome_from_refunds(payment=locked.payment, booking=locked.booking)


def payment_refund_part_by_staff(*, payment_id: int, amount_minor: int, reason: str, by: User) -> Refund:
    """Staff give back part of a captured payment (goodwill), with a reason; the session stays as it is.

    The amount is more than nothing and at most what the payment's refunds under way or processed have
    not given back yet (InvalidInput otherwise). Claimed under the payment's lock as our own refunds
    are, then asked of the gateway outside the transaction; the booking's timeline says who gave back
    how much and why. A gateway that refuses fails the claim (Conflict, with its words); one that cannot
    be reached leaves the claim for the sweep to match up, or fail, by its receipt.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Give a reason: it is kept with the refund and on the session's timeline.", field="reason")
    claim = _part_claim(payment_id=payment_id, amount_minor=amount_minor, reason=reason, by=by)
    payment = claim.payment
    if payment.gateway_payment_id is None or claim.receipt is None:  # captured, so known to the gateway; claimed with a receipt
        raise RuntimeError(f"Refund {claim.pk} has no gateway payment or receipt to ask the gateway with")
    try:
        made = get_gateway().payment_refund(payment.gateway_payment_id, amount=claim.amount_minor,
                                            receipt=claim.receipt, notes={"reason": reason[:250]})
    except GatewayRefused as error:
        _refund_refused(refund_id=claim.pk, reason=f"The payment provider refused the refund: {error.message}")
        raise Conflict(f"Razorpay refused the refund: {error.message}") from None
    except GatewayUnavailable:
        raise  # 503: the claim is matched up (or failed) by the sweep, by its receipt
    refunds_record(payment_id=payment_id, gateway_refunds=[made], complete=False)
    return Refund.objects.get(pk=claim.pk)


@retry_on_lock_conflict
@transaction.atomic
def _part_claim(*, payment_id: int, amount_minor: int, reason: str, by: User) -> Refund:
    locked = lock_payment_with_booking(payment_id=payment_id)
    payment, booking = locked.payment, locked.booking
    if payment.status not in MONEY_MOVED_STATUSES:
        raise Conflict("Nothing was captured on this payment, so there is nothing to refund.")
    if payment.needs_attention:
        raise Conflict("This payment is flagged for staff: settle it in the Razorpay Dashboard first.")
    refunds = list(payment.refunds.order_by("pk"))
    if payment.refund_reason or any(refund.status == RefundStatus.CREATED for refund in refunds):
        raise Conflict("A refund of this payment is already under way; wait until it ends.")
    left = payment.amount_minor - sum(refund.amount_minor for refund in refunds if refund.status in LIVE_STATUSES)
    if not 0 < amount_minor <= left:
        raise InvalidInput(f"The amount must be more than nothing and at most {format_money(left, payment.currency)}, "
                           "what is left of this payment.", field="amount")
    claim = refund_create(payment=payment, receipt=f"{RECEIPT_PREFIX}{payment.pk}-{len(refunds) + 1}",
                          amount_minor=amount_minor, reason=reason[:240], status=RefundStatus.CREATED)
    if payment.stray_of_id is None:
        booking_record_note(booking=booking, actor=STAFF, by=by, reason=(
            f"{format_money(amount_minor, payment.currency)} refunded by Serene staff: {reason}")[:240])
    return claim
