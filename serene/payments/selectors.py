"""Reads of payments."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet, Sum
from django.utils import timezone

from serene.bookings.models import Booking, BookingStatus

from .gateway import failure_message
from .models import Payment, PaymentStatus, Refund, RefundStatus, WebhookEvent


def payment_retryable_for(*, booking: Booking) -> Payment | None:
    """The open gateway order a customer may pay again on: only while the booking's hold lives."""
    if booking.status != BookingStatus.PENDING or not booking.hold_expires_at or booking.hold_expires_at <= timezone.now():
        return None
    return (booking.payments.filter(status__in=[PaymentStatus.CREATED, PaymentStatus.ATTEMPTED], stray_of=None)
            .order_by("created_at").first())


def payment_paid_for(*, booking: Booking) -> Payment | None:
    """The payment made for this booking's own order (never a stray capture), if any was made."""
    return (booking.payments.filter(stray_of=None).exclude(gateway_payment_id=None)
            .order_by("-created_at").first())


def payments_paid_for(*, bookings: list[Booking]) -> dict[int, Payment]:
    """payment_paid_for for many bookings in two queries (payments, then their refunds), keyed by
    booking id; each payment's refunds come prefetched, so the two functions below cost nothing."""
    payments = (Payment.objects.filter(booking__in=[booking.pk for booking in bookings], stray_of=None)
                .exclude(gateway_payment_id=None).order_by("-created_at").prefetch_related("refunds"))
    found: dict[int, Payment] = {}
    for payment in payments:
        found.setdefault(payment.booking_id, payment)  # the newest, as payment_paid_for picks
    return found


def payment_history_for(*, customer):
    """Every payment a customer made (captured, refunded or failed: whatever reached the gateway),
    with its booking and expert and its refunds prefetched; the page orders it (keyset on created_at)."""
    return (Payment.objects.filter(booking__customer=customer).exclude(gateway_payment_id=None)
            .select_related("booking__expert__user").prefetch_related("refunds"))


def payment_refunded_minor(*, payment: Payment) -> int:
    """What has actually gone back to the customer from this payment."""
    if "refunds" in getattr(payment, "_prefetched_objects_cache", {}):
        return sum(refund.amount_minor for refund in payment.refunds.all() if refund.status == RefundStatus.PROCESSED)
    return payment.refunds.filter(status=RefundStatus.PROCESSED).aggregate(total=Sum("amount_minor"))["total"] or 0


def payment_refund_shown(*, payment: Payment) -> Refund | None:
    """The one refund to show the customer: the latest still under way or processed; else (every one
    failed) the latest failed one. A refund the bank turned down and asked again shows the second."""
    refunds = list(payment.refunds.all())
    live = [refund for refund in refunds if refund.status in (RefundStatus.CREATED, RefundStatus.PROCESSED)]
    return (live or refunds)[-1] if refunds else None


@dataclass(frozen=True)
class RefundLine:
    refund: Refund   # the latest attempt
    attempts: int    # how many attempts the line stands for (failed ones asked again count)


def payment_refund_lines(*, payment: Payment) -> list[RefundLine]:
    """The refunds of a payment as the customer should read them: one line per refund, not per
    attempt. Failed attempts of an amount that was asked again are folded into the line of the attempt
    that went through (or is under way); an amount that failed every time is one line, failed."""
    by_amount: dict[int, list[Refund]] = {}
    for refund in sorted(payment.refunds.all(), key=lambda refund: (refund.created_at, refund.pk)):
        by_amount.setdefault(refund.amount_minor, []).append(refund)
    lines = []
    for attempts in by_amount.values():
        live = [refund for refund in attempts if refund.status != RefundStatus.FAILED]
        if live:
            failed = len(attempts) - len(live)
            lines += [RefundLine(refund=refund, attempts=1 + (failed if index == 0 else 0))
                      for index, refund in enumerate(live)]
        else:
            lines.append(RefundLine(refund=attempts[-1], attempts=len(attempts)))
    return sorted(lines, key=lambda line: (line.refund.created_at, line.refund.pk))


def payment_failure_message(*, reason: str) -> str:
    """Plain words for the gateway's reason a payment failed."""
    return failure_message(reason)


# --- for staff: what needs a look, across every customer ---------------------------------------------

def payments_flagged() -> QuerySet[Payment]:
    """Payments whose every refund attempt failed, left for staff (latest first)."""
    return Payment.objects.filter(needs_attention=True).select_related("booking__customer").order_by("-updated_at")


def refunds_failed_since(*, since: datetime) -> QuerySet[Refund]:
    """Refund attempts the gateway failed since then (latest first)."""
    return (Refund.objects.filter(status=RefundStatus.FAILED, updated_at__gte=since).select_related("payment")
            .order_by("-updated_at"))


def webhook_events_unhandled() -> QuerySet[WebhookEvent]:
    """Webhook events stored but not yet applied (latest first)."""
    return WebhookEvent.objects.filter(handled_at__isnull=True).order_by("-received_at")
