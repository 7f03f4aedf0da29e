"""Staff admin of one tenant's rosters, to look at only: changes go through the tenant's pages and API
(services that check the roster rules, keep history and tell people). Visible on a tenant's schema only."""

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import CalendarFeed, Roster, RosterPattern, RosterRules, Shift, ShiftType


@admin.register(ShiftType)
class ShiftTypeAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "start_time", "end_time", "unpaid_break_minutes", "late_grace_minutes", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Roster)
class RosterAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "workplace", "start_date", "end_date", "status", "published_at"]
    list_filter = ["status"]
    list_select_related = ["workplace"]


@admin.register(Shift)
class ShiftAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user", "workplace", "local_date", "starts_at", "ends_at", "status"]
    list_filter = ["status"]
    list_select_related = ["user", "workplace"]
    date_hierarchy = "local_date"


@admin.register(RosterPattern)
class RosterPatternAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "roster", "shift_type", "rrule", "starts_on"]


@admin.register(RosterRules)
class RosterRulesAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["workplace", "min_rest_hours", "min_rest_action", "max_weekly_hours", "max_weekly_action"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "created_at", "rotated_at"]
    exclude = ["token"]  # the secret address is the person's, not staff's
