"""Staff admin: read-only lists of one tenant's roles and role assignments.

Roles and assignments live in tenant schemas; the admin runs on the platform domain in the public
schema. As for API keys (apps.integrations.admin), each changelist takes the tenant from its
"tenant" filter and runs and renders inside that tenant's schema; with no tenant chosen it lists
nothing. Only the changelist is routed: an id means nothing without its tenant. Changes are made by
the tenant's own admins in the portal, through the services (history, audit, grants).
"""

from django.contrib import admin

from apps.tenancy.admin_tenant_schema import TenantFilter, TenantSchemaChangelistAdmin

from .models import Role, RoleAssignment


@admin.register(Role)
class RoleAdmin(TenantSchemaChangelistAdmin):
    list_display = ["name", "code", "parent", "permission_count", "is_system", "updated_at"]
    list_filter = [TenantFilter, "is_system"]
    search_fields = ["name", "code", "description"]
    list_select_related = ["parent"]
    ordering = ["path"]
    nothing_chosen = "Choose a tenant in the filter to list its roles."

    @admin.display(description="Own permissions")
    def permission_count(self, role: Role) -> int:
        return len(role.permissions)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(TenantSchemaChangelistAdmin):
    list_display = [
        "role", "principal", "scope", "status", "valid_from", "valid_until", "created_by", "reason", "ended_at",
        "end_reason",
    ]  # fmt: skip
    list_filter = [TenantFilter, "status", "valid_until"]
    search_fields = ["role__name", "role__code", "user__email", "team__name", "api_key__name", "scope_entity__name",
                     "reason"]  # fmt: skip
    list_select_related = ["role", "user", "team", "api_key", "scope_entity", "scope_content_type", "created_by"]
    nothing_chosen = "Choose a tenant in the filter to list its role assignments."

    @admin.display(description="Given to")
    def principal(self, assignment: RoleAssignment) -> str:
        return assignment.principal_label

    @admin.display(description="Scope")
    def scope(self, assignment: RoleAssignment) -> str:
        if assignment.scope_entity_id:
            return f"{assignment.scope_entity} and below"
        return f"{assignment.scope_content_type} #{assignment.scope_object_id}"
