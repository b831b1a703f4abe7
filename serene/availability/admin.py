from django.contrib import admin

from .models import DateOverride, WeeklySchedule


@admin.register(WeeklySchedule)
class WeeklyScheduleAdmin(admin.ModelAdmin):
    list_display = ("expert", "updated_at")
    search_fields = ("expert__user__name",)
    raw_id_fields = ("expert",)


@admin.register(DateOverride)
class DateOverrideAdmin(admin.ModelAdmin):
    list_display = ("expert", "start_date", "end_date", "note")
    list_filter = ("start_date",)
    search_fields = ("expert__user__name", "note")
    raw_id_fields = ("expert",)
