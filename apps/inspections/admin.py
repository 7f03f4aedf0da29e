"""Staff console for inspections (inside a tenant's schema through the tenant admin)."""

from django.contrib import admin

from .models import (
    Answer,
    Evidence,
    Inspection,
    InspectionItem,
    InspectionSchedule,
    InspectionSection,
    InspectionTemplate,
)


class SectionInline(admin.TabularInline):
    model = InspectionSection
    extra = 0


class ItemInline(admin.TabularInline):
    model = InspectionItem
    extra = 0
    raw_id_fields = ["corrective_template"]


@admin.register(InspectionTemplate)
class InspectionTemplateAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "name", "pass_mark", "is_current", "is_active"]
    list_filter = ["is_current", "is_active"]
    search_fields = ["code", "name"]
    inlines = [SectionInline, ItemInline]


@admin.register(InspectionSchedule)
class InspectionScheduleAdmin(admin.ModelAdmin):
    list_display = ["template_code", "workplace", "rrule", "starts_on", "time_of_day", "is_active"]
    list_select_related = ["workplace"]
    raw_id_fields = ["workplace", "assignee"]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    raw_id_fields = ["item", "corrective_task"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    raw_id_fields = ["item", "uploaded_by"]


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["id", "template", "workplace", "status", "due_at", "score", "passed"]
    list_filter = ["status", "passed"]
    list_select_related = ["template", "workplace"]
    raw_id_fields = ["template", "workplace", "schedule", "assignee", "submitted_by", "task"]
    inlines = [AnswerInline, EvidenceInline]
