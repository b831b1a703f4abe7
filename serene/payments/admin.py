from django.contrib import admin

from .models import Payment, Refund, WebhookEvent


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("gateway_order_id", "gateway_payment_id", "amount_minor", "currency", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("gateway_order_id", "gateway_payment_id", "booking__public_id", "booking__customer__email")
    raw_id_fields = ("booking",)


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ("gateway_refund_id", "payment", "amount_minor", "status", "created_at")
    search_fields = ("gateway_refund_id", "payment__gateway_payment_id")
    raw_id_fields = ("payment",)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("gateway_event_id", "event_type", "received_at", "handled_at", "error")
    list_filter = ("event_type",)
    search_fields = ("gateway_event_id",)
