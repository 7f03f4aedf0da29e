"""Staff admin: a read-only list of one tenant's security policies.

Like the API keys' admin (apps/integrations/admin.py), it runs on the platform domain in the public
schema: the changelist takes the tenant from its "tenant" filter and runs inside that tenant's
schema; with no tenant chosen it lists nothing. Policies are changed by the tenant's own admins.
"""

from django.contrib import admin

from apps.tenancy.admin_tenant_schema import TenantFilter, TenantSchemaChangelistAdmin

from .models import SecurityPolicy


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(TenantSchemaChangelistAdmin):
    list_display = [
        "entity", "mfa_required", "password_min_length", "password_expiry_days", "session_idle_timeout_minutes",
        "session_absolute_timeout_hours", "ip_allowlist", "allowed_login_methods", "updated_at", "updated_by",
    ]  # fmt: skip
    list_display_links = None
    list_filter = [TenantFilter]
    search_fields = ["entity__name", "entity__code"]
    list_select_related = ["entity", "updated_by"]
    show_full_result_count = False
    list_per_page = 100
    actions = None
