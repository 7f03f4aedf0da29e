"""Staff admin: a read-only list of one tenant's API keys.

The admin runs on the platform domain in the public schema, where tenant tables are not on the
search_path. The changelist therefore takes the tenant from its "tenant" filter and runs (and
renders) inside that tenant's schema; with no tenant chosen it lists nothing. Only the changelist
is routed: a key's id means nothing without its tenant, so there is no per-key page.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django_tenants.utils import get_public_schema_name, schema_context

from apps.core.admin_mixins import NoWritesAdminMixin
from apps.tenancy.models import Tenant

from .models import ApiKey


class TenantFilter(admin.SimpleListFilter):
    title = "tenant"
    parameter_name = "tenant"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        tenants = Tenant.objects.filter(is_template=False).exclude(schema_name=get_public_schema_name())
        return [(str(pk), name) for pk, name in tenants.order_by("name").values_list("pk", "name")]

    def queryset(self, request: Any, queryset: QuerySet[ApiKey]) -> QuerySet[ApiKey]:
        return queryset  # the tenant selects the schema (ApiKeyAdmin.changelist_view), not rows


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


def chosen_tenant(request: HttpRequest) -> Tenant | None:
    pk = request.GET.get(TenantFilter.parameter_name, "")
    tenants = Tenant.objects.filter(is_template=False).exclude(schema_name=get_public_schema_name())
    try:
        return tenants.filter(pk=pk).first() if pk else None
    except (ValueError, ValidationError):  # not a UUID
        return None


@admin.register(ApiKey)
class ApiKeyAdmin(NoWritesAdminMixin, admin.ModelAdmin):
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

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [path("", self.admin_site.admin_view(self.changelist_view), name="{}_{}_changelist".format(*info))]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiKey]:
        queryset = super().get_queryset(request)
        return queryset if chosen_tenant(request) is not None else queryset.none()

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        tenant = chosen_tenant(request)
        if tenant is None:
            self.message_user(request, "Choose a tenant in the filter to list its API keys.", messages.INFO)
            return super().changelist_view(request, extra_context)
        with schema_context(tenant.schema_name):
            response = super().changelist_view(request, {**(extra_context or {}), "subtitle": tenant.name})
            if hasattr(response, "render"):
                response.render()  # inside the schema: the rows are read while rendering
        return response
