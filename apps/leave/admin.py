"""Staff admin of one tenant's leave, to look at only: changes go through the tenant's pages and API
(services with validation, audit and the append-only ledger). Visible only on a tenant's schema."""

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import LeaveLedgerEntry, LeavePolicy, LeavePolicyAssignment, LeaveRequest, LeaveType, WorkPattern


@admin.register(LeaveType)
class LeaveTypeAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "paid", "unit", "attachment_required", "max_consecutive_days", "is_active"]
    list_filter = ["paid", "unit", "is_active"]
    search_fields = ["code", "name"]


@admin.register(WorkPattern)
class WorkPatternAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@admin.register(LeavePolicy)
class LeavePolicyAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "leave_type", "accrual", "minutes_per_year", "carry_over_cap_minutes",
                    "carry_over_expiry_months", "negative_limit_minutes", "is_active"]  # fmt: skip
    list_filter = ["accrual", "is_active"]
    list_select_related = ["leave_type"]


@admin.register(LeavePolicyAssignment)
class LeavePolicyAssignmentAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["policy", "entity", "user", "starts_on", "home_workplace"]
    list_select_related = ["policy", "entity", "user", "home_workplace"]


@admin.register(LeaveRequest)
class LeaveRequestAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user", "leave_type", "start_date", "end_date", "minutes", "status", "created_at"]
    list_filter = ["status", "leave_type"]
    date_hierarchy = "start_date"
    list_select_related = ["user", "leave_type"]


@admin.register(LeaveLedgerEntry)
class LeaveLedgerEntryAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["effective_on", "user", "leave_type", "kind", "minutes", "note"]
    list_filter = ["kind", "leave_type"]
    search_fields = ["idempotency_key", "note"]
    list_select_related = ["user", "leave_type"]
