from django.contrib import admin

from serene.core.forms import TimeZoneAdminMixin

from .models import Category, Expert, Language


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Expert)
class ExpertAdmin(TimeZoneAdminMixin, admin.ModelAdmin):
    list_display = ("name", "category", "hourly_rate_minor", "currency", "time_zone", "rating_average",
                    "requires_approval", "is_active")
    list_filter = ("is_active", "requires_approval", "category", "languages", "time_zone")
    search_fields = ("user__name", "user__email", "headline", "slug")
    list_select_related = ("user", "category")
    autocomplete_fields = ("user",)
    filter_horizontal = ("languages",)
    readonly_fields = ("created_at", "updated_at")
