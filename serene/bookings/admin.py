from django.contrib import admin

from .models import Booking


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ("public_id", "expert", "customer", "starts_at", "duration_minutes", "price_minor", "status")
    list_filter = ("status", "expert__category")
    search_fields = ("public_id", "customer__email", "customer__name", "expert__user__name")
    list_select_related = ("expert__user", "customer")
    date_hierarchy = "starts_at"
    readonly_fields = ("public_id", "created_at", "updated_at")
    raw_id_fields = ("customer", "expert", "cancelled_by")
