"""Staff look inside one tenant: its organisation, people, roles, assignments, solution access,
integrations, security policies and branding, read-only, from the platform admin.

These rows live in the tenant's schema, which the platform admin (public schema) cannot list with
ordinary ModelAdmins; each page here switches to the tenant's schema for the one query it runs.
Lists are keyset-free but never counted: a page fetches `PER_PAGE + 1` rows to know whether there is
a next one. Each look is recorded in the tenant's audit chain ("tenant.data_viewed").
"""

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Model, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django_tenants.utils import tenant_context

from apps.audit.services import audit_record

from .models import Tenant

PER_PAGE = 50


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    model: str  # "app_label.ModelName"
    columns: list[str]  # field names or "relation__field" paths
    search: list[str] = field(default_factory=list)
    ordering: list[str] = field(default_factory=lambda: ["-pk"])
    filters: list[str] = field(default_factory=list)  # fields offered as ?<field>=<value> filters


SECTIONS: list[Section] = [
    Section("entities", "Entities", "organisation.Entity",
            ["code", "name", "entity_type__name", "status", "path", "external_id"],
            search=["name", "code", "external_id"], ordering=["path"], filters=["status", "entity_type__code"]),
    Section("people", "People", "organisation.MemberProfile",
            ["code", "user__email", "job_title", "status", "employee_code", "manager__user__email"],
            search=["user__email", "code", "employee_code", "job_title"], ordering=["id"], filters=["status"]),
    Section("roles", "Roles", "access.Role", ["code", "name", "parent__name", "is_system", "path"],
            search=["code", "name"], ordering=["path"]),
    Section("assignments", "Role assignments", "access.RoleAssignment",
            ["role__name", "user__email", "team__name", "api_key__name", "scope_entity__name", "status",
             "valid_from", "valid_until", "reason"],
            search=["user__email", "role__name", "team__name"], filters=["status"]),
    Section("solution-access", "Solution access", "solutions.SolutionAccess", [], search=[]),
    Section("integrations", "Integrations", "integrations.IntegrationActivation", [], search=[]),
    Section("security-policies", "Security policies", "policy.SecurityPolicy", [], search=[]),
    Section("branding", "Branding", "branding.Branding", [], search=[]),
    Section("approval-workflows", "Approval workflows", "approvals.ApprovalWorkflow",
            ["kind", "name", "is_active", "created_by__email", "updated_at"],
            search=["kind", "name"], ordering=["kind", "name"], filters=["kind", "is_active"]),
    Section("approval-requests", "Approval requests", "approvals.ApprovalRequest",
            ["kind", "summary", "requester__email", "status", "round", "current_position", "created_at",
             "decided_at"],
            search=["summary", "kind", "requester__email", "subject_id"], filters=["status", "kind"]),
    Section("approval-delegations", "Approval delegations", "approvals.Delegation",
            ["delegator__email", "delegate__email", "kinds", "starts_on", "ends_on", "reason", "revoked_at"],
            search=["delegator__email", "delegate__email"], ordering=["-starts_on"]),
]  # fmt: skip
SECRET_WORDS = ("secret", "password", "token", "key_hash", "encrypted")


def _model(section: Section) -> type[Model] | None:
    try:
        return apps.get_model(section.model)
    except (LookupError, ValueError):
        return None


def _columns(section: Section, model: type[Model]) -> list[str]:
    """The section's columns, or (for models added later) every concrete non-secret field."""
    if section.columns:
        return section.columns
    names = []
    for model_field in model._meta.concrete_fields:
        if any(word in model_field.name for word in SECRET_WORDS):
            continue
        names.append(f"{model_field.name}__pk" if model_field.is_relation else model_field.name)
    return [name.removesuffix("__pk") for name in names][:10]


def available_sections() -> list[Section]:
    return [section for section in SECTIONS if _model(section) is not None]


def _related_paths(model: type[Model], columns: list[str]) -> list[str]:
    """select_related paths for the columns' relations (so a page is one query)."""
    paths = set()
    for column in columns:
        parts = column.split("__")
        current: Any = model
        chain: list[str] = []
        for part in parts[:-1]:
            try:
                relation = current._meta.get_field(part)
            except FieldDoesNotExist:
                break
            if not relation.is_relation or relation.many_to_many or relation.one_to_many:
                break
            chain.append(part)
            current = relation.related_model
        if chain:
            paths.add("__".join(chain))
    return sorted(paths)


def section_page(
    *, tenant: Tenant, section: Section, search: str = "", filters: dict[str, str], page: int
) -> dict[str, Any]:
    model = _model(section)
    if model is None:
        raise Http404("This kind of data is not installed.")
    columns = _columns(section, model)
    with tenant_context(tenant):
        queryset = model._default_manager.all()
        related = _related_paths(model, columns)
        if related:
            queryset = queryset.select_related(*related)
        if search and section.search:
            condition = Q()
            for name in section.search:
                condition |= Q(**{f"{name}__icontains": search})
            queryset = queryset.filter(condition)
        for name in section.filters:
            if filters.get(name):
                queryset = queryset.filter(**{name: filters[name]})
        start = (page - 1) * PER_PAGE
        values = list(queryset.order_by(*section.ordering).values_list(*columns)[start : start + PER_PAGE + 1])
    return {
        "columns": [column.replace("__", " ").replace("_", " ") for column in columns],
        "rows": values[:PER_PAGE],
        "has_next": len(values) > PER_PAGE,
        "page": page,
    }


def tenant_data_view(request: HttpRequest, model_admin: Any, tenant_id: str, section_key: str) -> HttpResponse:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    tenant = get_object_or_404(Tenant, pk=tenant_id, is_template=False)
    if tenant.status in (Tenant.Status.REQUESTED, Tenant.Status.DELETED):
        raise Http404("This tenant has no schema.")
    sections = available_sections()
    section = next((item for item in sections if item.key == section_key), None)
    if section is None:
        raise Http404("Unknown section.")
    try:
        page = max(1, int(request.GET.get("p", "1")))
    except ValueError:
        page = 1
    search = request.GET.get("q", "").strip()[:100]
    filters = {name: request.GET.get(name, "") for name in section.filters}
    data = section_page(tenant=tenant, section=section, search=search, filters=filters, page=page)
    audit_record(
        action="tenant.data_viewed", acting_user=request.user, tenant=tenant, target=tenant,
        after={"section": section.key, "search": search, "page": page},
    )  # fmt: skip
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"{tenant.name}: {section.label}",
        "tenant": tenant,
        "sections": sections,
        "section": section,
        "search": search,
        "filters": filters,
        **data,
    }
    return TemplateResponse(request, "admin/tenancy/tenant/tenant_data.html", context)


def tenant_browser_urls(model_admin: Any) -> list[Any]:
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "<uuid:tenant_id>/data/<slug:section_key>/",
            wrap(
                lambda request, tenant_id, section_key: tenant_data_view(request, model_admin, tenant_id, section_key)
            ),
            name="tenancy_tenant_data",
        )
    ]
