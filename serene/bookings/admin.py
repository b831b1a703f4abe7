from django.contrib import admin

from .models import Booking, BookingEvent


class BookingEventInline(admin.TabularInline):
    """The booking's timeline: every move, who made it and why. Read-only: moves go through the services."""
    model = BookingEvent
    fields = ("at", "from_status", "to_status", "money_outcome", "actor", "actor_user", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "id")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ("public_id", "expert", "customer", "starts_at", "duration_minutes", "price_minor", "status",
                    "money_outcome")
    list_filter = ("status", "money_outcome", "expert__category")
    search_fields = ("public_id", "customer__email", "customer__name", "expert__user__name")
    list_select_related = ("expert__user", "customer")
    date_hierarchy = "starts_at"
    # A booking changes only through the lifecycle's services, so every change is on its timeline:
    # staff read here, and act through the services.
    inlines = [BookingEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Booking._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
