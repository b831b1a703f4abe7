from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from serene.core.forms import PlainTextAdminMixin, TimeZoneAdminMixin

from .models import LoginFailure, User


@admin.register(User)
class UserAdmin(PlainTextAdminMixin, TimeZoneAdminMixin, BaseUserAdmin):
    plain_text_fields = {"name": False}
    ordering = ("email",)
    list_display = ("email", "name", "role", "time_zone", "is_active", "date_joined")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("email", "name", "phone")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "phone", "time_zone", "role")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "role", "password1", "password2")}),)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ("key", "failures", "window_started_at", "locked_until")
    search_fields = ("key",)
