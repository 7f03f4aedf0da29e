"""Staff admin of one tenant's workplaces, to look at only: changes go through the tenant's pages and
API (services with validation and audit). Visible only on a tenant's schema, like the organisation's."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.core.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInlineMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import Department, Geofence, Workplace


class GeofenceInline(ReadOnlyInlineMixin, admin.StackedInline):
    model = Geofence
    extra = 0

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["shape", "center_lat", "center_lng", "radius_m", "vertices", "updated_at"]


@admin.register(Workplace)
class WorkplaceAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "city", "time_zone", "holiday_subdivision", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "city"]
    list_select_related = ["parent"]
    inlines = [GeofenceInline]


@admin.register(Department)
class DepartmentAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "site", "entity", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "site__name"]
    list_select_related = ["site", "entity"]
