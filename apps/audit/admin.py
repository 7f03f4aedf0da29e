from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the audit log is append-only and the database refuses changes anyway."""

    list_display = ["created_at", "action", "tenant", "actor_label", "target_type", "target_id", "correlation_id"]
    list_filter = ["action"]
    search_fields = ["action", "target_id", "correlation_id", "actor_label"]
    list_select_related = ["tenant"]
    show_full_result_count = False
