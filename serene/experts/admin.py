from django.contrib import admin, messages

from serene.core.errors import AppError

from serene.core.forms import PlainTextAdminMixin, TimeZoneAdminMixin

from .models import Category, Expert, Language
from .services import expert_credentials_update, expert_mark_verified


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
class ExpertAdmin(PlainTextAdminMixin, TimeZoneAdminMixin, admin.ModelAdmin):
    plain_text_fields = {"headline": False, "bio": True}
    list_display = ("name", "category", "hourly_rate_minor", "currency", "time_zone", "rating_average",
                    "registration_body", "registration_number", "verified", "requires_approval", "is_active")
    list_filter = ("is_active", "requires_approval", ("verified_at", admin.EmptyFieldListFilter), "category",
                   "languages", "time_zone")
    search_fields = ("user__name", "user__email", "headline", "slug", "registration_number")
    list_select_related = ("user", "category")
    autocomplete_fields = ("user",)
    filter_horizontal = ("languages",)
    readonly_fields = ("verified_at", "verified_by", "created_at", "updated_at")
    actions = ("mark_verified",)

    @admin.display(boolean=True, description="Verified", ordering="verified_at")
    def verified(self, expert: Expert) -> bool:
        return expert.is_verified

    @admin.action(description="Mark verified (registration checked with its body)")
    def mark_verified(self, request, queryset):
        done = 0
        for expert_id in queryset.values_list("pk", flat=True):
            try:
                expert_mark_verified(expert_id=expert_id, by=request.user)
                done += 1
            except AppError as error:
                self.message_user(request, error.message, messages.ERROR)
        if done:
            self.message_user(request, f"{done} expert{'s' if done != 1 else ''} marked verified.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        # A changed registration is no longer the one staff checked: the service clears the mark.
        if change and {"registration_body", "registration_number", "qualifications"} & set(form.changed_data):
            updated = expert_credentials_update(expert_id=obj.pk, qualifications=obj.qualifications,
                                                registration_body=obj.registration_body,
                                                registration_number=obj.registration_number)
            obj.verified_at, obj.verified_by = updated.verified_at, updated.verified_by
        super().save_model(request, obj, form, change)
