"""Staff read who was in each session's room, on the booking's page and in a list of their own."""
from django.contrib import admin

from serene.bookings.admin import BookingAdmin

from .models import RoomVisit


class RoomVisitInline(admin.TabularInline):
    model = RoomVisit
    fields = ("role", "user", "joined_at", "left_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "room visit"
    verbose_name_plural = "Video room: who joined and left"

    def has_add_permission(self, request, obj=None):
        return False


# The booking's page shows its room visits under its timeline (bookings itself knows nothing of video).
if RoomVisitInline not in BookingAdmin.inlines:
    BookingAdmin.inlines = [*BookingAdmin.inlines, RoomVisitInline]


@admin.register(RoomVisit)
class RoomVisitAdmin(admin.ModelAdmin):
    list_display = ("booking", "role", "user", "joined_at", "left_at")
    list_filter = ("role",)
    search_fields = ("booking__public_id", "user__email", "user__name")
    list_select_related = ("booking__expert__user", "booking__customer", "user")
    date_hierarchy = "joined_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in RoomVisit._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
