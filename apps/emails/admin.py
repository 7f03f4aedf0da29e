from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import EmailDelivery


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the email-delivery log is written by `email_send` only."""

    list_display = ["created_at", "template", "recipient", "status", "tenant", "sent_at", "correlation_id"]
    list_filter = ["status", "template", ("created_at", admin.DateFieldListFilter)]
    # Tenants are searched, not listed as a filter: there can be thousands.
    search_fields = ["recipient", "subject", "correlation_id", "tenant__slug"]
    list_select_related = ["tenant"]
    show_full_result_count = False
    list_per_page = 100
