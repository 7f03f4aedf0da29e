"""Staff admin: a read-only list of one tenant's access requests (decisions are the tenant's, in the
portal, through the approval workflow). Like roles (apps.access.admin), the changelist runs inside the
schema of the tenant chosen in its filter."""

from django.contrib import admin

from apps.tenancy.admin_tenant_schema import TenantFilter, TenantSchemaChangelistAdmin

from .models import AccessRequest


@admin.register(AccessRequest)
class AccessRequestAdmin(TenantSchemaChangelistAdmin):
    list_display = ["requester", "kind", "role", "entity", "solution_code", "status", "created_at", "decided_at"]
    list_filter = [TenantFilter, "status", "kind"]
    search_fields = ["requester__email", "role__name", "entity__name", "solution_code", "reason"]
    list_select_related = ["requester", "role", "entity"]
    ordering = ["-created_at"]
    nothing_chosen = "Choose a tenant in the filter to list its access requests."
