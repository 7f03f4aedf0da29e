from django.contrib import admin

from .models import EmailDelivery


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    """Read-only: the email-delivery log is written by `email_send` only."""

    list_display = ["created_at", "template", "recipient", "status", "tenant", "sent_at", "correlation_id"]
    list_filter = ["status", "template", ("created_at", admin.DateFieldListFilter)]
    # Tenants are searched, not listed as a filter: there can be thousands.
    search_fields = ["recipient", "subject", "correlation_id", "tenant__slug"]
    list_select_related = ["tenant"]
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
