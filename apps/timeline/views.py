"""The timeline pages: staff (admin, any staff role, any tenant) and tenant admins (portal, own tenant)."""

from typing import Any
from uuid import UUID

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render

from apps.surfaces.portal import TenantPortalView
from apps.tenancy.models import Tenant

from .forms import TimelineFilterForm
from .selectors import timeline_page
from .sources import STAFF, TENANT


def _context(request: HttpRequest, tenant: Tenant, audience: str) -> dict[str, Any]:
    form = TimelineFilterForm(request.GET)
    page, error = None, ""
    if form.is_valid():
        try:
            page = timeline_page(tenant=tenant, audience=audience, **form.page_kwargs())
        except ValidationError as exc:
            error = exc.messages[0]
    return {"tenant": tenant, "form": form, "page": page, "error": error,
            "older_query": _with(request.GET, cursor=page.next_cursor) if page and page.next_cursor else "",
            "first_query": _with(request.GET, cursor=None)}  # fmt: skip


def _with(query: QueryDict, **changes: Any) -> str:
    params = query.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value:
            params[key] = value
    return params.urlencode()


def staff_timeline_view(request: HttpRequest, tenant_id: UUID) -> HttpResponse:
    """/admin/timeline/<tenant_id>/: wrapped by admin_view (active staff only, MFA by middleware)."""
    tenant = get_object_or_404(Tenant, pk=tenant_id, is_template=False)
    context = {**admin.site.each_context(request), "title": f"Timeline of {tenant.name}",
               **_context(request, tenant, STAFF)}  # fmt: skip
    return render(request, "admin/timeline/timeline.html", context)


class ActivityView(TenantPortalView):
    """/manage/activity/: the tenant's own slice (no staff-only events, IPs or internal notes)."""

    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        tenant = request.tenant  # type: ignore[attr-defined]
        return render(request, "timeline/activity.html", _context(request, tenant, TENANT))
