"""Staff admin of one tenant's forms, to look at only: changes go through the tenant's pages and API
(services with validation, versions, history and events). Visible only on a tenant's schema."""

from django.contrib import admin

from apps.core.admin_mixins import ListedInlineMixin, ReadOnlyAdminMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import (
    FormField,
    FormTemplate,
    FormVersion,
    Submission,
    SubmissionComment,
    SubmissionFile,
    TaskTemplateForm,
)


class FieldInline(ListedInlineMixin, admin.TabularInline):
    model = FormField
    fields = readonly_fields = ("position", "key", "label", "type", "section", "required", "config")


class FileInline(ListedInlineMixin, admin.TabularInline):
    model = SubmissionFile
    fields = readonly_fields = ("field_key", "kind", "name", "content_type", "size", "created_at")


class CommentInline(ListedInlineMixin, admin.TabularInline):
    model = SubmissionComment
    fields = readonly_fields = ("author", "body", "created_at")


@admin.register(FormTemplate)
class FormTemplateAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "name", "status", "current_version", "review_required", "updated_at"]
    list_filter = ["status", "review_required"]
    search_fields = ["name", "description"]
    list_select_related = ["current_version"]


@admin.register(FormVersion)
class FormVersionAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "template", "number", "published_at", "published_by"]
    search_fields = ["template__name"]
    list_select_related = ["template", "published_by"]
    inlines = [FieldInline]


@admin.register(Submission)
class SubmissionAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "template", "version", "person", "workplace", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status", "template"]
    search_fields = ["template__name", "person__email", "workplace__code", "client_id"]
    list_select_related = ["template", "version", "person", "workplace"]
    inlines = [FileInline, CommentInline]


@admin.register(TaskTemplateForm)
class TaskTemplateFormAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "task_template", "form_template", "created_at"]
    list_select_related = ["task_template", "form_template"]
