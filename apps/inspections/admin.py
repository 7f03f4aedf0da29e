"""Staff admin of one tenant's inspections, to look at only: templates are versioned, schedules generate
exactly once and submissions open corrective tasks, so changes go through the tenant's pages and API
(services). Visible only on a tenant's schema."""

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInlineMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import (
    Answer,
    Evidence,
    Inspection,
    InspectionItem,
    InspectionSchedule,
    InspectionSection,
    InspectionTemplate,
)


class SectionInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = InspectionSection
    fields = readonly_fields = ("position", "title")


class ItemInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = InspectionItem
    fields = readonly_fields = ("position", "section", "question", "kind", "max_score", "fail_below", "weight",
                                "is_required", "opens_task", "corrective_template")  # fmt: skip

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("section", "corrective_template")


@admin.register(InspectionTemplate)
class InspectionTemplateAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "version", "name", "pass_mark", "is_current", "is_active"]
    list_filter = ["is_current", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = False  # lists no related row
    inlines = [SectionInline, ItemInline]


@admin.register(InspectionSchedule)
class InspectionScheduleAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["template_code", "workplace", "rrule", "starts_on", "time_of_day", "assignee", "role",
                    "creates_task", "is_active"]  # fmt: skip
    list_filter = ["is_active", "creates_task"]
    search_fields = ["template_code", "workplace__code", "workplace__name"]
    list_select_related = ["workplace", "assignee", "role"]


class AnswerInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Answer
    fields = readonly_fields = ("item", "value", "earned", "possible", "failed", "note", "corrective_task")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("item", "corrective_task")


class EvidenceInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Evidence
    fields = readonly_fields = ("item", "name", "content_type", "size", "uploaded_by", "created_at")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("item", "uploaded_by")


@admin.register(Inspection)
class InspectionAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "template", "workplace", "status", "due_at", "assignee", "role", "score", "passed"]
    list_filter = ["status", "passed"]
    search_fields = ["template__code", "template__name", "workplace__code", "workplace__name"]
    list_select_related = ["template", "workplace", "assignee", "role"]
    inlines = [AnswerInline, EvidenceInline]
