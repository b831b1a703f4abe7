"""Staff views of the money: payments (filter "needs attention"), refunds with their moves, webhook
events and the gateway call log ("what happened to my money").

All of them are read-only here: a payment's status and amounts and its refunds change only through
the services (refunds.py, refund_sync.py, events.py), which record every change as a refund move or in the call log.
A payment flagged for staff is settled by refunding it in the Razorpay Dashboard; that refund's
webhook records it and clears the flag."""
from django.contrib import admin
from django.db.models import Q
from django.utils.html import format_html_join

from .models import GatewayCall, Payment, Refund, RefundEvent, WebhookEvent


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


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("gateway_order_id", "gateway_payment_id", "amount_minor", "currency", "status", "needs_attention",
                    "stray_of", "created_at")
    list_filter = ("needs_attention", "status", ("stray_of", admin.EmptyFieldListFilter))
    search_fields = ("gateway_order_id", "gateway_payment_id", "receipt", "booking__public_id", "booking__customer__email")
    raw_id_fields = ("booking", "stray_of")
    readonly_fields = ("gateway_calls",)
    inlines = [RefundInline]

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
    list_filter = ("event_type",)
    search_fields = ("gateway_event_id",)


@admin.register(GatewayCall)
class GatewayCallAdmin(ReadOnlyAdmin):
    list_display = ("at", "operation", "order_id", "payment_id", "refund_id", "amount_minor", "succeeded",
                    "duration_ms", "result", "error")
    list_filter = ("operation", "succeeded")
    search_fields = ("order_id", "payment_id", "refund_id", "result")
    date_hierarchy = "at"
