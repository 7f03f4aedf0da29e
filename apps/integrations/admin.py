"""Staff admin: read-only lists of one tenant's API keys and integration activations (the tenant
filter chooses the schema: apps/tenancy/admin_tenant_schema.py)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from apps.tenancy.admin_tenant_schema import TenantFilter, TenantSchemaChangelistAdmin

from .activations import activation_secrets_masked
from .models import ApiKey, IntegrationActivation


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return list(ApiKey.Status.choices)

    def queryset(self, request: Any, queryset: QuerySet[ApiKey]) -> QuerySet[ApiKey]:
        active = ApiKey.objects.active().values("pk")
        if self.value() == ApiKey.Status.ACTIVE:
            return queryset.filter(pk__in=active)
        if self.value() == ApiKey.Status.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == ApiKey.Status.EXPIRED:
            return queryset.filter(revoked_at__isnull=True).exclude(pk__in=active)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(TenantSchemaChangelistAdmin):
    list_display = [
        "name",
        "display_prefix",
        "scopes",
        "status",
        "expires_at",
        "last_used_at",
        "created_at",
        "created_by",
        "revoked_at",
    ]
    list_display_links = None
    list_filter = [TenantFilter, StatusFilter]
    search_fields = ["name", "prefix"]
    list_select_related = ["created_by", "revoked_by"]
    show_full_result_count = False
    list_per_page = 100
    actions = None


# --- Integration activations (issue 5) --------------------------------------------------------------


class ActivationStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return list(IntegrationActivation.Status.choices)

    def queryset(self, request: Any, queryset: QuerySet[IntegrationActivation]) -> QuerySet[IntegrationActivation]:
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(IntegrationActivation)
class IntegrationActivationAdmin(TenantSchemaChangelistAdmin):
    """One tenant's integration activations, read-only; secrets only masked (like ApiKeyAdmin: the
    tenant filter chooses the schema, and only the changelist is routed)."""

    list_display = ["integration_code", "status", "configuration", "masked_secrets", "scopes_granted",
                    "activated_at", "activated_by", "deactivated_at", "deactivated_by"]  # fmt: skip
    list_display_links = None
    list_filter = [TenantFilter, ActivationStatusFilter]
    search_fields = ["integration_code"]
    list_select_related = ["activated_by", "deactivated_by"]
    show_full_result_count = False
    actions = None

    @admin.display(description="Secrets")
    def masked_secrets(self, activation: IntegrationActivation) -> str:
        masked = activation_secrets_masked(activation)
        return ", ".join(f"{key}: {value}" for key, value in sorted(masked.items())) or "—"
