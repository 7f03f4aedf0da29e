"""Staff console for routines: read the set, its members and links, and what each occurrence made."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Occurrence, OccurrenceTask, Routine, RoutineLink, RoutineTask


class RoutineTaskInline(admin.TabularInline):
    model = RoutineTask
    extra = 0
    raw_id_fields = ("template", "assignee", "team", "role")


class RoutineLinkInline(admin.TabularInline):
    model = RoutineLink
    extra = 0
    raw_id_fields = ("predecessor", "successor")


@admin.register(Routine)
class RoutineAdmin(SimpleHistoryAdmin):
    list_display = ("name", "workplace", "rrule", "start_date", "start_time", "status", "generated_until")
    list_filter = ("status",)
    search_fields = ("name", "workplace__code", "workplace__name")
    list_select_related = ("workplace",)
    raw_id_fields = ("workplace", "split_from", "created_by")
    readonly_fields = ("generated_until", "created_at", "updated_at")
    inlines = [RoutineTaskInline, RoutineLinkInline]


class OccurrenceTaskInline(admin.TabularInline):
    model = OccurrenceTask
    extra = 0
    raw_id_fields = ("member", "task")
    can_delete = False


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ("routine", "key", "at", "status", "edited_at")
    list_filter = ("status",)
    search_fields = ("routine__name", "key")
    list_select_related = ("routine",)
    raw_id_fields = ("routine",)
    inlines = [OccurrenceTaskInline]
