"""Staff views of the money: payments (filter "needs attention"), refunds with their moves, webhook
events and the gateway call log ("what happened to my money").

All of them are read-only here: a payment's status and amounts and its refunds change only through
the services (checkout.py, events.py, refunds.py, refund_sync.py), which record every change as a
payment move, a refund move or in the call log.
Staff act through actions that call those services: refund a payment in full, or a part of it with a
reason (a page of its own, linked from the payment; the session stays as it is); approve, decline or
cancel a booking (the booking admin's money actions are added here, since bookings never imports
payments). A payment flagged for staff is settled by refunding it in the Razorpay Dashboard; that
refund's webhook records it and clears the flag."""
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from serene.bookings.admin import BookingAdmin
from serene.bookings.models import Booking
from serene.bookings.moves import booking_approve
from serene.core.errors import AppError

from .cancellations import (STAFF_CANCEL_REASON, booking_cancel_with_refund, booking_reject_with_refund,
                            payment_refund_by_staff)
from serene.core.money import format_money

from .models import MONEY_MOVED_STATUSES, GatewayCall, Payment, PaymentEvent, Refund, RefundEvent, WebhookEvent
from .refund_lifecycle import LIVE_STATUSES
from .refunds import payment_refund_part_by_staff


class PartRefundForm(forms.Form):
    amount = forms.DecimalField(label="Amount (₹)", min_value=Decimal("0.01"), max_digits=10, decimal_places=2,
                                help_text="In rupees, up to two decimals: more than nothing, at most what is left.")
    reason = forms.CharField(max_length=200, help_text="Kept with the refund and shown on the session's timeline.")

    def __init__(self, *args, left_minor: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.left_minor = left_minor

    def clean_amount(self) -> int:
        minor = int(self.cleaned_data["amount"] * 100)
        if minor > self.left_minor:
            raise forms.ValidationError(f"At most {format_money(self.left_minor, 'INR')} is left of this payment.")
        return minor


def _each(modeladmin, request, queryset, act, done: str) -> None:
    """Run `act` on each selected row through its service; say how many went through and why others did not."""
    succeeded, refused = 0, []
    for row in queryset:
        try:
            act(row)
        except AppError as error:
            refused.append(f"{row}: {error.message}")
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, line, messages.ERROR)


def _left_minor(payment: Payment) -> int:
    refunded = sum(payment.refunds.filter(status__in=LIVE_STATUSES).values_list("amount_minor", flat=True))
    return payment.amount_minor - refunded


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff may look, filter and search, but not add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ("gateway_refund_id", "receipt", "amount_minor", "status", "external", "failure_reason", "created_at")
    readonly_fields = fields


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "source", "reason")
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("gateway_order_id", "gateway_payment_id", "amount_minor", "currency", "status", "needs_attention",
                    "stray_of", "created_at")
    list_filter = ("needs_attention", "status", ("stray_of", admin.EmptyFieldListFilter))
    search_fields = ("gateway_order_id", "gateway_payment_id", "receipt", "booking__public_id", "booking__customer__email")
    raw_id_fields = ("booking", "stray_of")
    readonly_fields = ("gateway_calls", "refund_part")
    inlines = [PaymentEventInline, RefundInline]
    actions = ["refund_in_full"]

    def has_change_permission(self, request, obj=None):
        # Actions need the view and the "change" permission on the changelist; the change form itself
        # stays read-only (no field is editable: every field is read-only below).
        return obj is None and self.has_view_permission(request)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Payment._meta.fields] + ["refund_part", "gateway_calls"]

    def get_urls(self):
        return [path("<int:payment_id>/refund-part/", self.admin_site.admin_view(self.refund_part_view),
                     name="payments_payment_refund_part"), *super().get_urls()]

    @admin.display(description="Refund part")
    def refund_part(self, payment: Payment):
        if payment.status not in MONEY_MOVED_STATUSES or _left_minor(payment) <= 0:
            return "nothing left to refund"
        return format_html('<a href="{}">Refund part of this payment…</a>',
                           reverse("admin:payments_payment_refund_part", args=[payment.pk]))

    def refund_part_view(self, request, payment_id: int):
        if not self.has_view_permission(request) or not request.user.has_perm("payments.change_payment"):
            raise PermissionDenied
        payment = get_object_or_404(Payment, pk=payment_id)
        left = _left_minor(payment)
        form = PartRefundForm(request.POST or None, left_minor=left)
        if request.method == "POST" and form.is_valid():
            try:
                refund = payment_refund_part_by_staff(payment_id=payment.pk, amount_minor=form.cleaned_data["amount"],
                                                      reason=form.cleaned_data["reason"], by=request.user)
            except AppError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, f"{format_money(refund.amount_minor, payment.currency)} refund: "
                                           f"{refund.get_status_display().lower()}.", messages.SUCCESS)
                return redirect("admin:payments_payment_change", payment.pk)
        context = {**self.admin_site.each_context(request), "payment": payment, "form": form, "opts": self.model._meta,
                   "title": f"Refund part of {payment.gateway_payment_id or payment.gateway_order_id}", "left": format_money(left, payment.currency),
                   "paid": format_money(payment.amount_minor, payment.currency),
                   "refunded": format_money(payment.amount_minor - left, payment.currency)}
        return TemplateResponse(request, "admin/payments/payment/refund_part.html", context,
                                status=400 if request.method == "POST" else 200)

    @admin.action(description="Refund in full (cancels a session still ahead)", permissions=["change"])
    def refund_in_full(self, request, queryset):
        _each(self, request, queryset, lambda payment: payment_refund_by_staff(payment_id=payment.pk, by=request.user),
              "payment(s) refunded in full, or the refund asked for (see each payment's refunds)")

    @admin.display(description="Gateway calls")
    def gateway_calls(self, payment: Payment):
        ids = Q(order_id=payment.gateway_order_id) if payment.gateway_order_id else Q(pk__in=[])
        if payment.gateway_payment_id:
            ids |= Q(payment_id=payment.gateway_payment_id)
        calls = GatewayCall.objects.filter(ids)[:50]
        return format_html_join("\n", "<div>{} · {} · {} · {} ms · {}</div>",
                                ((call.at.strftime("%Y-%m-%d %H:%M:%S"), call.operation,
                                  "ok" if call.succeeded else "failed", call.duration_ms, call.result or call.error)
                                 for call in calls)) or "none"


class RefundEventInline(admin.TabularInline):
    model = RefundEvent
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "reason")
    readonly_fields = fields


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("gateway_refund_id", "payment", "amount_minor", "status", "external", "created_at")
    list_filter = ("status", "external")
    search_fields = ("gateway_refund_id", "receipt", "payment__gateway_payment_id", "payment__gateway_order_id")
    raw_id_fields = ("payment",)
    inlines = [RefundEventInline]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("gateway_event_id", "event_type", "received_at", "handled_at", "error")
    list_filter = ("event_type", ("handled_at", admin.EmptyFieldListFilter))
    search_fields = ("gateway_event_id",)


@admin.register(GatewayCall)
class GatewayCallAdmin(ReadOnlyAdmin):
    list_display = ("at", "operation", "order_id", "payment_id", "refund_id", "amount_minor", "succeeded",
                    "duration_ms", "result", "error")
    list_filter = ("operation", "succeeded")
    search_fields = ("order_id", "payment_id", "refund_id", "result")
    date_hierarchy = "at"


class BookingMoneyAdmin(BookingAdmin):
    """The booking admin with the moves staff make, through the same services people use (each is on
    the booking's timeline, by staff). A decline or a cancel refunds the customer in full."""
    actions = ["approve", "decline_and_refund", "cancel_and_refund"]

    def has_change_permission(self, request, obj=None):
        # The actions need "change" on the list; the change form stays read-only, as in BookingAdmin.
        return obj is None and self.has_view_permission(request)

    @admin.action(description="Approve (awaiting approval → confirmed)", permissions=["change"])
    def approve(self, request, queryset):
        _each(self, request, queryset, lambda booking: booking_approve(booking_id=booking.pk, by=request.user),
              "booking(s) approved")

    @admin.action(description="Decline and refund in full", permissions=["change"])
    def decline_and_refund(self, request, queryset):
        _each(self, request, queryset, lambda booking: booking_reject_with_refund(
            booking_id=booking.pk, by=request.user, reason="Declined by Serene staff."),
            "booking(s) declined; refunds asked for")

    @admin.action(description="Cancel and refund in full", permissions=["change"])
    def cancel_and_refund(self, request, queryset):
        _each(self, request, queryset, lambda booking: booking_cancel_with_refund(
            booking_id=booking.pk, by=request.user, reason=STAFF_CANCEL_REASON),
            "booking(s) cancelled; refunds asked for")


admin.site.unregister(Booking)
admin.site.register(Booking, BookingMoneyAdmin)
