"""Staff console: the platform's default templates (with a preview of the text in force) and,
read-only, notifications, deliveries and the daily counters.

On the platform domain the admin is on the public schema: templates edited here are the platform's
defaults (a tenant's overrides live in its schema and are edited in its portal). Saving goes through
`template_override_set`, which refuses a template that does not compile or render, with the reason.
"""

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin, ServiceWritesAdminMixin

from . import services
from .models import Delivery, Notification, NotificationTemplate, NotificationUsageDaily


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(ServiceWritesAdminMixin, SimpleHistoryAdmin):
    list_display = ("event", "channel", "language", "title", "is_active", "last_error_at", "updated_at")
    list_filter = ("channel", "language", "is_active")
    search_fields = ("event", "title")
    fields = ("event", "channel", "language", "title", "body", "preview", "last_error", "last_error_at")
    readonly_fields = ("preview", "last_error", "last_error_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = ("event", "channel", "language") if obj is not None else ()
        return (*fixed, *self.readonly_fields)

    @admin.display(description="Preview (sample data)")
    def preview(self, obj: NotificationTemplate) -> str:
        if obj is None or not obj.pk:
            return "Saved templates show a preview here."
        try:
            rendered = services.template_preview(event=obj.event, channel=obj.channel, language=obj.language,
                                                 title=obj.title, body=obj.body)  # fmt: skip
        except ValidationError as refusal:
            return " ".join(refusal.messages)
        return format_html("<strong>{}</strong><pre style='white-space:pre-wrap'>{}</pre>", rendered["title"],
                           rendered["body"])  # fmt: skip

    def record_create(self, request: HttpRequest, fields: dict[str, Any]) -> Any:
        return services.template_override_set(
            event=fields["event"], channel=fields["channel"], language=fields.get("language") or "en",
            title=fields["title"], body=fields["body"], acting_user=request.user,
        )  # fmt: skip

    def record_update(self, request: HttpRequest, obj: Any, changes: dict[str, Any]) -> Any:
        return services.template_override_set(
            event=obj.event, channel=obj.channel, language=obj.language, title=changes.get("title", obj.title),
            body=changes.get("body", obj.body), acting_user=request.user,
        )  # fmt: skip


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("event", "recipient_key", "category", "title", "created_at", "read_at")
    list_filter = ("category", "critical")
    search_fields = ("event", "recipient_key", "title")
    show_full_result_count = False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("channel", "recipient_key", "status", "attempts", "next_attempt_at", "sent_at", "created_at")
    list_filter = ("status", "channel")
    search_fields = ("recipient_key", "event_key", "provider_message_id")
    list_select_related = ("notification",)
    show_full_result_count = False


@admin.register(NotificationUsageDaily)
class NotificationUsageDailyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("date", "tenant", "channel", "sent")
    list_filter = ("channel",)
    list_select_related = ("tenant",)
