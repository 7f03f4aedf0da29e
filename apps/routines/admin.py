"""Staff console for routines, to look at only: the set, its members and links, and what each occurrence
made. Changes go through the tenant's pages and API (services with their rules and history). Visible only
on a tenant's schema."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInlineMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import Occurrence, OccurrenceTask, Routine, RoutineLink, RoutineTask


class RoutineTaskInline(ReadOnlyInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = RoutineTask
    extra = 0
    raw_id_fields = ("template", "assignee", "team", "role")


class RoutineLinkInline(ReadOnlyInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = RoutineLink
    extra = 0
    raw_id_fields = ("predecessor", "successor")


@admin.register(Routine)
class RoutineAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):  # type: ignore[type-arg]
    list_display = ("name", "workplace", "rrule", "start_date", "start_time", "status", "generated_until")
    list_filter = ("status",)
    search_fields = ("name", "workplace__code", "workplace__name")
    list_select_related = ("workplace",)
    raw_id_fields = ("workplace", "split_from", "created_by")
    readonly_fields = ("generated_until", "created_at", "updated_at")
    inlines = [RoutineTaskInline, RoutineLinkInline]


class OccurrenceTaskInline(ReadOnlyInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = OccurrenceTask
    extra = 0
    raw_id_fields = ("member", "task")
    can_delete = False


@admin.register(Occurrence)
class OccurrenceAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("routine", "key", "at", "status", "edited_at")
    list_filter = ("status",)
    search_fields = ("routine__name", "key")
    list_select_related = ("routine",)
    raw_id_fields = ("routine",)
    show_full_result_count = False  # no exact count over a big table
    inlines = [OccurrenceTaskInline]
