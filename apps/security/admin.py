from django.contrib import admin

from .models import AuthEvent


@admin.register(AuthEvent)
class AuthEventAdmin(admin.ModelAdmin):
    """Read-only: authentication events are an append-only technical log."""

    list_display = ["created_at", "kind", "email", "user", "tenant", "ip_address", "correlation_id"]
    list_filter = ["kind", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["email", "ip_address", "correlation_id"]
    list_select_related = ["user", "tenant"]
    show_full_result_count = False
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
