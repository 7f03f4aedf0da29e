"""Who may use a tenant's portal and API: active members of that tenant, nobody else.

The rules; apps.surfaces applies them to every tenant view from its `tenant_access` declaration.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from .models import Membership
from .selectors import membership_for

REFUSALS: dict[str | None, str] = {
    None: "You are not a member of this organisation.",
    Membership.Status.SUSPENDED: "Your membership of this organisation is suspended. Ask an administrator.",
    Membership.Status.REMOVED: "You have been removed from this organisation.",
}
# The `code` of the 403 the tenant API returns for each refusal.
REFUSAL_CODES: dict[str | None, str] = {
    None: "not_member",
    Membership.Status.SUSPENDED: "membership_suspended",
    Membership.Status.REMOVED: "membership_removed",
}
ADMIN_REQUIRED = "Only a tenant admin of this organisation may do this."


class MembershipRefused(PermissionDenied):
    """A 403 that also says why in a stable `code` (the tenant API puts it in the JSON body)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def tenant_membership_require(request: HttpRequest) -> Membership:
    """The requesting user's active membership of the request's tenant, or PermissionDenied."""
    tenant = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)  # a second check in one request asks no query
    if (
        membership is None
        or membership.user_id != request.user.pk
        or membership.tenant_id != getattr(tenant, "pk", None)
    ):
        membership = membership_for(user=request.user, tenant=tenant)
    if membership is None or not membership.is_active:
        status = membership.status if membership else None
        raise MembershipRefused(REFUSALS[status], code=REFUSAL_CODES[status])
    request.membership = membership  # type: ignore[attr-defined]
    return membership


SERVICE_PRINCIPAL_REFUSED = "API keys cannot use this endpoint; it is for signed-in members."


def is_service_principal(user: Any) -> bool:
    """True for a caller that is not a person (an integrator API key): it has no membership."""
    return bool(getattr(user, "is_service_principal", False))


def tenant_admin_require(request: HttpRequest) -> Membership:
    """The requesting user's active tenant_admin membership of the request's tenant, or PermissionDenied."""
    membership = tenant_membership_require(request)
    if membership.role != Membership.Role.TENANT_ADMIN:
        raise MembershipRefused(ADMIN_REQUIRED, code="tenant_admin_required")
    return membership


# Who may call a tenant view (its `tenant_access` declaration, read by apps.surfaces).
TENANT_ACCESS_LEVELS = ("member", "admin", "member_read_admin_write", "public")
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def tenant_access_require(request: HttpRequest, access: str) -> Membership | None:
    """Apply a `tenant_access` declaration to a signed-in person: their active membership (an admin
    one where the declaration and method need it), or MembershipRefused. None for "public"."""
    if access == "public":
        return None
    if access == "admin" or (access == "member_read_admin_write" and request.method not in READ_METHODS):
        return tenant_admin_require(request)
    if access in ("member", "member_read_admin_write"):
        return tenant_membership_require(request)
    raise ValueError(f"Unknown tenant_access {access!r}; use one of {', '.join(TENANT_ACCESS_LEVELS)}.")


def is_tenant_admin(request: HttpRequest) -> bool:
    """The caller is an active admin of this tenant (the portal's menu, home blocks and pages ask this)."""
    membership = getattr(request, "membership", None)
    return bool(membership is not None and membership.role == Membership.Role.TENANT_ADMIN and membership.is_active)


def tenant_membership_get(*, tenant: Any, pk: Any) -> Membership:
    """One membership of this tenant (with its user); the same 404 for "not yours" and "missing"."""
    membership = Membership.objects.select_related("user", "tenant").filter(tenant=tenant, pk=pk).first()
    if membership is None:
        raise Http404("No such member in this organisation.")
    return membership
