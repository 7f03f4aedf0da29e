"""Staff admin of one tenant's time entries, to look at only: entries change through the tenant's pages
and API (services with their rules and history). Visible only on a tenant's schema."""

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import TimeEntry


@admin.register(TimeEntry)
class TimeEntryAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user", "task", "started_at", "ended_at", "source"]
    list_filter = ["source"]
    search_fields = ["user__email", "task__title", "note"]
    list_select_related = ["user", "task"]
    raw_id_fields = ["task", "user", "created_by"]
    date_hierarchy = "started_at"
    show_full_result_count = False
