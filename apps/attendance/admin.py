"""Staff admin of one tenant's attendance, to look at only: records are computed, corrections and
overtime are decided through approvals, rules are set by the tenant's admins."""

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import AttendanceCorrection, AttendanceRecord, LateNotice, OvertimeRecord, OvertimeRule


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["date", "user", "workplace", "status", "scheduled_minutes", "worked_minutes", "late_minutes",
                    "flags", "computed_at"]  # fmt: skip
    list_filter = ["status", "date"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "workplace"]
    date_hierarchy = "date"


@admin.register(AttendanceCorrection)
class AttendanceCorrectionAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["date", "user", "status", "requested_by", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "reason"]
    list_select_related = ["user", "requested_by"]


@admin.register(OvertimeRule)
class OvertimeRuleAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["workplace", "daily_threshold_minutes", "weekly_threshold_minutes", "daily_multiplier",
                    "weekly_multiplier", "rest_day_multiplier", "public_holiday_multiplier", "auto_submit"]  # fmt: skip
    list_select_related = ["workplace"]


@admin.register(OvertimeRecord)
class OvertimeRecordAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["date", "user", "reason", "minutes", "multiplier", "status", "workplace"]
    list_filter = ["status", "reason"]
    search_fields = ["user__email"]
    list_select_related = ["user", "workplace"]


@admin.register(LateNotice)
class LateNoticeAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["shift_id", "user", "workplace", "shift_starts_at", "notified_at"]
    list_select_related = ["user", "workplace"]
