from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only and the database refuses changes anyway."""

    list_display = ["created_at", "action", "tenant", "actor_label", "target_type", "target_id", "correlation_id"]
    list_filter = ["action"]
    search_fields = ["action", "target_id", "correlation_id", "actor_label"]
    list_select_related = ["tenant"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
