"""Staff console of reporting (each tenant schema's admin): definitions, schedules, runs and files."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ExternalRecipient, GeneratedReport, ReportDefinition, ReportRun, ReportSchedule


@admin.register(ReportDefinition)
class ReportDefinitionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "dataset", "grouping", "period", "owner", "updated_at")
    list_filter = ("dataset", "period")
    search_fields = ("name", "description", "owner__email")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    filter_horizontal = ("workplaces",)


class ExternalRecipientInline(admin.TabularInline):
    model = ExternalRecipient
    extra = 0
    fields = ("email", "invited_at", "confirmed_at")
    readonly_fields = ("invited_at", "confirmed_at")


@admin.register(ReportSchedule)
class ReportScheduleAdmin(SimpleHistoryAdmin):
    list_display = ("definition", "rrule", "time_zone", "format", "delivery", "status", "next_run_at", "owner")
    list_filter = ("status", "format", "delivery")
    search_fields = ("definition__name", "rrule", "owner__email")
    list_select_related = ("definition", "owner")
    raw_id_fields = ("definition", "owner", "people")
    filter_horizontal = ("roles",)
    readonly_fields = ("next_run_at",)
    inlines = [ExternalRecipientInline]


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ("definition", "schedule", "occurrence_key", "scheduled_for", "status", "attempts", "recipients")
    list_filter = ("status", "format")
    search_fields = ("definition__name", "occurrence_key", "error")
    list_select_related = ("definition", "schedule", "schedule__definition")
    raw_id_fields = ("definition", "schedule", "report", "requested_by")
    date_hierarchy = "scheduled_for"


@admin.register(GeneratedReport)
class GeneratedReportAdmin(admin.ModelAdmin):
    list_display = ("title", "format", "rows", "size", "period_start", "period_end", "generated_at", "generated_by")
    list_filter = ("format",)
    search_fields = ("title",)
    list_select_related = ("generated_by", "definition")
    raw_id_fields = ("definition", "generated_by", "schedule")
    date_hierarchy = "generated_at"
