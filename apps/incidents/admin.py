"""Staff admin of one tenant's incidents, to look at only: changes go through the tenant's pages and API
(services with validation, history and events). Visible only on a tenant's schema."""

from django.contrib import admin

from apps.core.admin_mixins import ListedInlineMixin, ReadOnlyAdminMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import Incident, IncidentAction, IncidentAttachment, IncidentPerson, IncidentSettings, RegulatorDeadline


class PersonInline(ListedInlineMixin, admin.TabularInline):
    model = IncidentPerson
    fields = readonly_fields = ("role", "user", "name", "notes")


class AttachmentInline(ListedInlineMixin, admin.TabularInline):
    model = IncidentAttachment
    fields = readonly_fields = ("kind", "name", "content_type", "size", "uploaded_by", "created_at")


class ActionInline(ListedInlineMixin, admin.TabularInline):
    model = IncidentAction
    fields = readonly_fields = ("task", "created_by", "created_at")


@admin.register(Incident)
class IncidentAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "title", "type", "severity", "status", "workplace", "occurred_at", "notifiable",
                    "regulator_deadline"]  # fmt: skip
    list_filter = ["status", "severity", "type", "notifiable"]
    search_fields = ["title", "description", "location_detail"]
    list_select_related = ["workplace"]
    inlines = [PersonInline, AttachmentInline, ActionInline]


@admin.register(IncidentAction)
class IncidentActionAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Corrective actions across incidents, with their tasks."""

    list_display = ["incident", "task", "created_by", "created_at"]
    search_fields = ["incident__title", "task__title"]
    list_select_related = ["incident", "task", "created_by"]


@admin.register(IncidentSettings)
class IncidentSettingsAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "warn_hours_before", "auto_notifiable", "updated_at"]
    list_select_related = False  # lists no related row


@admin.register(RegulatorDeadline)
class RegulatorDeadlineAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The tenant's hours per incident type (tenant admins edit them at /manage/incidents/settings/)."""

    list_display = ["incident_type", "hours", "rule", "updated_at"]
    search_fields = ["incident_type", "rule"]
    list_select_related = False  # lists no related row
