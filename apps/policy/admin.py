"""Staff admin: a read-only list of one tenant's security policies, and the tenant actions that allow
or forbid staff impersonation.

Like the API keys' admin (apps/integrations/admin.py), the list runs on the platform domain in the
public schema: the changelist takes the tenant from its "tenant" filter and runs inside that tenant's
schema; with no tenant chosen it lists nothing. Policies are changed by the tenant's own admins; the one
setting staff change is whether staff may impersonate the tenant's members (two actions on the tenant
admin, which need the tenant change permission: super admins), written on the root entity's policy
through `policy_set` (history, audit on the tenant's chain).
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django_tenants.utils import tenant_context

from apps.organisation.selectors import entity_root
from apps.tenancy.admin import TenantAdmin
from apps.tenancy.admin_tenant_schema import TenantFilter, TenantSchemaChangelistAdmin

from .models import SecurityPolicy
from .services import policy_set


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(TenantSchemaChangelistAdmin):
    list_display = [
        "entity", "mfa_required", "password_min_length", "password_expiry_days", "session_idle_timeout_minutes",
        "session_absolute_timeout_hours", "ip_allowlist", "allowed_login_methods", "allow_staff_impersonation",
        "risk_step_up_score", "risk_refuse_score",
        "updated_at", "updated_by",
    ]  # fmt: skip
    list_display_links = None
    list_filter = [TenantFilter]
    search_fields = ["entity__name", "entity__code"]
    list_select_related = ["entity", "updated_by"]
    show_full_result_count = False
    list_per_page = 100
    actions = None


def _impersonation_set(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any], allowed: bool) -> None:
    done, skipped = [], []
    for tenant in queryset.order_by("pk"):
        with tenant_context(tenant):
            root = entity_root()
            if root is None:
                skipped.append(tenant.name)
                continue
            policy_set(entity=root, acting_user=request.user, allow_staff_impersonation=allowed)
        done.append(tenant.name)
    word = "allowed" if allowed else "forbidden"
    if done:
        modeladmin.message_user(request, f"Staff impersonation {word} for: {', '.join(done)}.", messages.SUCCESS)
    if skipped:
        modeladmin.message_user(
            request, f"No organisation structure yet (nothing changed): {', '.join(skipped)}.", messages.WARNING
        )


@admin.action(description="Security policy: forbid staff impersonation", permissions=["change"])
def impersonation_forbid(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    _impersonation_set(modeladmin, request, queryset, allowed=False)


@admin.action(description="Security policy: allow staff impersonation", permissions=["change"])
def impersonation_allow(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    _impersonation_set(modeladmin, request, queryset, allowed=True)


# The tenant admin lives in tenancy (kernel); the policy is this domain app's, so it adds the actions.
TenantAdmin.actions = [*TenantAdmin.actions, impersonation_forbid, impersonation_allow]
