"""Staff admin of one tenant's tasks, to look at only: changes go through the tenant's pages and API
(services with their rules, history and events). Visible only on a tenant's schema."""

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import ChecklistItem, Task, TaskAttachment, TaskComment, TaskTemplate, TemplateChecklistItem


class TemplateItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = TemplateChecklistItem
    extra = 0
    can_delete = False
    readonly_fields = ["position", "text", "is_required"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class ChecklistInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ChecklistItem
    extra = 0
    can_delete = False
    readonly_fields = ["position", "text", "is_required", "done_at", "done_by"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(TaskTemplate)
class TaskTemplateAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "priority", "estimated_minutes", "assignee_kind", "version", "is_active"]
    list_filter = ["is_active", "priority"]
    search_fields = ["code", "name"]
    list_select_related = False  # it lists no foreign key
    inlines = [TemplateItemInline]


@admin.register(Task)
class TaskAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "title", "status", "priority", "workplace", "assignee_kind", "assignee", "due_at"]
    list_filter = ["status", "priority", "assignee_kind"]
    list_select_related = ["workplace", "assignee"]
    search_fields = ["title", "origin_id"]
    show_full_result_count = False  # no exact count over a big table
    inlines = [ChecklistInline]


@admin.register(TaskComment)
class TaskCommentAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["task", "author", "created_at"]
    list_select_related = ["task", "author"]
    show_full_result_count = False


@admin.register(TaskAttachment)
class TaskAttachmentAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["task", "kind", "name", "content_type", "size", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["task"]
    show_full_result_count = False
