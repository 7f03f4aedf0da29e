"""Staff admin of one tenant's form analytics, to look at only: the rollups are derived data, written by the
rollup code (apps/formstats/rollup.py) and repaired by `manage.py formstats_rebuild`. Visible on a tenant's
schema only."""

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import FieldDayRollup, FieldPersonDayRollup, RolledSubmission, SubmissionDayRollup

FIELD_COLUMNS = ["field_key", "field_type", "answered", "total", "low", "high", "choices"]


@admin.register(FieldDayRollup)
class FieldDayRollupAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["template", "workplace", "day", *FIELD_COLUMNS]
    list_filter = ["field_type", "day"]
    search_fields = ["field_key", "template__name", "workplace__name", "workplace__code"]
    list_select_related = ["template", "workplace"]
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(FieldPersonDayRollup)
class FieldPersonDayRollupAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["template", "workplace", "person", "day", *FIELD_COLUMNS]
    list_filter = ["field_type", "day"]
    search_fields = ["field_key", "template__name", "workplace__code", "person__email"]
    list_select_related = ["template", "workplace", "person"]
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(SubmissionDayRollup)
class SubmissionDayRollupAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["template", "workplace", "person", "day", "submissions"]
    list_filter = ["day"]
    search_fields = ["template__name", "workplace__code", "person__email"]
    list_select_related = ["template", "workplace", "person"]
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(RolledSubmission)
class RolledSubmissionAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["submission", "template", "workplace", "person", "day"]
    search_fields = ["=submission__id", "template__name", "person__email"]
    list_select_related = ["submission", "template", "workplace", "person"]
    show_full_result_count = False
