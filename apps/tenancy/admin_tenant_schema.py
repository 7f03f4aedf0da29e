"""Staff admin lists of rows that live in tenant schemas (API keys, roles, assignments, policies,
branding, integration activations).

The admin runs on the platform domain in the public schema, where tenant tables are not on the
search_path. A `TenantSchemaChangelistAdmin` therefore takes the tenant from its "tenant" filter
and runs (and renders) its changelist inside that tenant's schema; with no tenant chosen it lists
nothing. Only the changelist is routed: a row's id means nothing without its tenant. Changes are
made by the tenant's own admins through the services (history, audit), never here.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django_tenants.utils import get_public_schema_name, schema_context

from apps.core.admin_mixins import NoWritesAdminMixin

from .models import Tenant


class TenantFilter(admin.SimpleListFilter):
    title = "tenant"
    parameter_name = "tenant"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        tenants = Tenant.objects.filter(is_template=False).exclude(schema_name=get_public_schema_name())
        return [(str(pk), name) for pk, name in tenants.order_by("name").values_list("pk", "name")]

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset  # the tenant selects the schema (changelist_view), not rows


def chosen_tenant(request: HttpRequest) -> Tenant | None:
    pk = request.GET.get(TenantFilter.parameter_name, "")
    tenants = Tenant.objects.filter(is_template=False).exclude(schema_name=get_public_schema_name())
    try:
        return tenants.filter(pk=pk).first() if pk else None
    except (ValueError, ValidationError):  # not a UUID
        return None


class TenantSchemaChangelistAdmin(NoWritesAdminMixin, admin.ModelAdmin):
    """A read-only changelist of a tenant model, read inside the schema of the tenant chosen in the filter."""

    list_display_links = None
    show_full_result_count = False
    list_per_page = 100
    actions = None

    @property
    def nothing_chosen(self) -> str:
        return f"Choose a tenant in the filter to list its {self.opts.verbose_name_plural}."

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [path("", self.admin_site.admin_view(self.changelist_view), name="{}_{}_changelist".format(*info))]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        return queryset if chosen_tenant(request) is not None else queryset.none()

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        tenant = chosen_tenant(request)
        if tenant is None:
            self.message_user(request, self.nothing_chosen, messages.INFO)
            return super().changelist_view(request, extra_context)
        with schema_context(tenant.schema_name):
            response = super().changelist_view(request, {**(extra_context or {}), "subtitle": tenant.name})
            if hasattr(response, "render"):
                response.render()  # inside the schema: the rows are read while rendering
        return response
