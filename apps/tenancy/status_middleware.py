"""What a tenant's own domain serves while the tenant is not active.

Suspended: nothing (403 page, or 403 JSON `tenant_suspended`), except the pages a higher app opens
for its own kind of suspension through the `tenancy.suspension_exits` hook (`fn(tenant) -> [(path
prefix, label)]`; billing opens its pages while dunning has suspended the tenant, so an admin can
pay), plus sign-in to reach them; the suspended page links to them. Archived: read-only (safe methods
pass; others get 403 `tenant_archived`). Requested, provisioning, failed: 503 `tenant_not_ready`.
Deleted: 404 `tenant_deleted`. The platform domain (public schema, staff admin) is never affected.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from apps.core import hooks

from .models import Tenant

S = Tenant.Status
# Always reachable: health checks and assets; signing in and out stays possible on a read-only tenant.
_ALWAYS_OPEN = ("/healthz", "/readyz", "/static/", "/media/")
_ARCHIVED_OPEN = ("/accounts/",)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# status → (HTTP status, code, headline, message)
REFUSALS: dict[str, tuple[int, str, str, str]] = {
    S.SUSPENDED: (403, "tenant_suspended", "This organisation is suspended",
                  "{name} is suspended on NIDIA Flow. Its administrators have been told why; "
                  "contact NIDIA Flow support to restore access."),
    S.ARCHIVED: (403, "tenant_archived", "This organisation is archived (read-only)",
                 "{name} is archived: you can still view its data, but nothing can be changed."),
    S.DELETED: (404, "tenant_deleted", "This organisation no longer exists",
                "{name} has been deleted from NIDIA Flow."),
    S.REQUESTED: (503, "tenant_not_ready", "This organisation is being set up",
                  "{name} is not ready yet. Try again in a minute."),
    S.PROVISIONING: (503, "tenant_not_ready", "This organisation is being set up",
                     "{name} is not ready yet. Try again in a minute."),
    S.FAILED: (503, "tenant_not_ready", "This organisation is being set up",
               "{name} could not be set up yet; NIDIA Flow staff have been notified."),
}  # fmt: skip


def suspension_exits(tenant: Tenant) -> list[tuple[str, str]]:
    """(path prefix, label) pairs a suspended tenant's domain still serves (asked only when suspended)."""
    return [exit for answer in hooks.all("tenancy.suspension_exits") for exit in answer(tenant)]


def _suspended_open(tenant: Tenant) -> tuple[str, ...]:
    """The exits, and sign-in to reach them; nothing when no app opened an exit."""
    exits = tuple(prefix for prefix, _ in suspension_exits(tenant))
    return (*_ARCHIVED_OPEN, *exits) if exits else ()


def refusal_for(tenant: Tenant | None, request: HttpRequest) -> tuple[int, str, str, str] | None:
    if tenant is None or tenant.is_public or tenant.status == S.ACTIVE or tenant.status not in REFUSALS:
        return None
    if request.path.startswith(_ALWAYS_OPEN):
        return None
    if tenant.status == S.SUSPENDED and request.path.startswith(_suspended_open(tenant)):
        return None
    if tenant.status == S.ARCHIVED and (request.method in SAFE_METHODS or request.path.startswith(_ARCHIVED_OPEN)):
        return None
    return REFUSALS[tenant.status]


class TenantStatusMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        refusal = refusal_for(tenant, request)
        if refusal is None:
            return self.get_response(request)
        status, code, headline, message = refusal
        detail = message.format(name=tenant.name)  # type: ignore[union-attr]
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"detail": detail, "code": code}, status=status)
        template = "tenancy/suspended.html" if code == "tenant_suspended" else "tenancy/unavailable.html"
        context = {"tenant": tenant, "headline": headline, "message": detail, "code": code,
                   "exits": suspension_exits(tenant) if tenant and code == "tenant_suspended" else []}  # fmt: skip
        return HttpResponse(render_to_string(template, context, request=request), status=status)
