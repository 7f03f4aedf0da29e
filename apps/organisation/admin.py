"""Staff admin of one tenant's organisation: entity types, entities and people, to look at only.

Changes go through the tenant's own pages and API (services with audit). These admins read tenant
tables, so they only work while the connection is on a tenant's schema (the tenant-schema admin);
on the public schema they are hidden rather than failing. Staff on the platform domain browse a
tenant's organisation through apps/tenancy/tenant_browser.py instead.
"""

from typing import Any

from django.contrib import admin
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name

from apps.core.admin_mixins import NoWritesAdminMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin

from .models import Certification, Entity, EntityMembership, EntityType, MemberProfile, Skill


def in_tenant_schema() -> bool:
    return getattr(connection, "schema_name", get_public_schema_name()) != get_public_schema_name()


class TenantSchemaAdminMixin:
    """Visible only inside a tenant's schema, where its tables are."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return in_tenant_schema() and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return in_tenant_schema() and super().has_view_permission(request, obj)  # type: ignore[misc]


@admin.register(EntityType)
class EntityTypeAdmin(TenantSchemaAdminMixin, NoWritesAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "is_system", "position", "updated_at"]
    list_filter = ["is_system"]
    search_fields = ["code", "name"]
    ordering = ["position", "name"]


@admin.register(Entity)
class EntityAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "entity_type", "status", "parent", "manager", "depth_shown", "updated_at"]
    list_filter = ["status", "entity_type"]
    search_fields = ["name", "code", "external_id"]
    list_select_related = ["entity_type", "parent", "manager__user"]
    ordering = ["path"]

    @admin.display(description="Depth")
    def depth_shown(self, entity: Entity) -> int:
        return entity.depth


class _ReadOnlyInline(ReadOnlyInlineMixin, admin.TabularInline):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]


class EntityMembershipInline(_ReadOnlyInline):
    model = EntityMembership
    fields = ["entity", "is_primary", "title", "joined_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[EntityMembership]:
        return super().get_queryset(request).select_related("entity")


class SkillInline(_ReadOnlyInline):
    model = Skill
    fields = ["name", "level"]


class CertificationInline(_ReadOnlyInline):
    model = Certification
    fields = ["name", "issuer", "issued_on", "expires_on"]


@admin.register(MemberProfile)
class MemberProfileAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "code", "employee_code", "job_title", "status", "manager", "updated_at"]
    list_filter = ["status"]
    search_fields = ["code", "employee_code", "external_id", "user__email", "user__full_name"]
    list_select_related = ["user", "manager__user"]
    inlines = [EntityMembershipInline, SkillInline, CertificationInline]
