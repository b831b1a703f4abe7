"""Staff see every message, whether it could be written and sent, and send failed ones again."""
from django.contrib import admin, messages

from .delivery import messages_resend
from .models import Message, MessageStatus, Notice


class TroubleFilter(admin.SimpleListFilter):
    """The messages staff should look at, whatever stage they stopped at."""
    title = "trouble"
    parameter_name = "trouble"

    def lookups(self, request, model_admin):
        return [("stuck", "Failed or could not be written (the operations page's list)"),
                ("not_rendered", "Could not be written (retrying or given up)"),
                ("failed", "Failed: gave up (writing or sending)"),
                ("skipped", "Not sent: no longer applies")]

    def queryset(self, request, queryset):
        if self.value() == "stuck":
            return queryset.filter(status__in=[MessageStatus.FAILED, MessageStatus.RENDER_FAILED])
        if self.value() == "not_rendered":
            return queryset.filter(rendered_at__isnull=True).exclude(status=MessageStatus.SKIPPED)
        if self.value() == "failed":
            return queryset.filter(status=MessageStatus.FAILED)
        if self.value() == "skipped":
            return queryset.filter(status=MessageStatus.SKIPPED)
        return queryset


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to_email", "subject", "status", "render_failures", "attempts", "sent_at",
                    "short_error")
    list_filter = (TroubleFilter, "status", "kind")
    search_fields = ("to_email", "subject", "key", "booking__public_id")
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [field.name for field in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Last error")
    def short_error(self, message):
        return (message.skip_reason or message.last_error)[:120]

    @admin.action(description="Send again")
    def resend(self, request, queryset):
        ids = list(queryset.filter(status__in=[MessageStatus.FAILED, MessageStatus.SENT, MessageStatus.RENDER_FAILED])
                   .values_list("pk", flat=True))
        count = messages_resend(message_ids=ids)
        skipped = queryset.count() - count
        from .tasks import messages_render_and_deliver
        if ids:
            messages_render_and_deliver.enqueue(ids)
        self.message_user(request, f"{count} message(s) queued to be sent again."
                          + (f" {skipped} waiting, being sent or no longer applying were left as they are." if skipped else ""),
                          messages.SUCCESS)


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "text", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__email", "text")
    readonly_fields = [field.name for field in Notice._meta.fields]
