"""Staff see every message and its delivery, and send failed ones again."""
from django.contrib import admin, messages

from .delivery import messages_resend
from .models import Message, MessageStatus, Notice


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to_email", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
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

    @admin.action(description="Send again")
    def resend(self, request, queryset):
        ids = list(queryset.filter(status__in=[MessageStatus.FAILED, MessageStatus.SENT]).values_list("pk", flat=True))
        count = messages_resend(message_ids=ids)
        skipped = queryset.count() - count
        from .tasks import messages_deliver
        if ids:
            messages_deliver.enqueue(ids)
        self.message_user(request, f"{count} message(s) queued to be sent again."
                          + (f" {skipped} still waiting or being sent were left as they are." if skipped else ""),
                          messages.SUCCESS)


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "text", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__email", "text")
    readonly_fields = [field.name for field in Notice._meta.fields]
