"""Who may use a tenant's portal and API: active members of that tenant, nobody else."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from rest_framework.permissions import SAFE_METHODS, BasePermission

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
    membership = membership_for(user=request.user, tenant=getattr(request, "tenant", None))
    if membership is None or not membership.is_active:
        status = membership.status if membership else None
        raise MembershipRefused(REFUSALS[status], code=REFUSAL_CODES[status])
    request.membership = membership  # type: ignore[attr-defined]
    return membership


SERVICE_PRINCIPAL_REFUSED = "API keys cannot use this endpoint; it is for signed-in members."


def is_service_principal(user: Any) -> bool:
    """True for a caller that is not a person (an integrator API key): it has no membership."""
    return bool(getattr(user, "is_service_principal", False))


class TenantMemberRequiredMixin(LoginRequiredMixin):
    """Portal views: signed in, and an active member of this tenant."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated:
            tenant_membership_require(request)
        return super().dispatch(request, *args, **kwargs)


class IsTenantMember(BasePermission):
    """API views: an active member of the tenant whose domain was called."""

    message = REFUSALS[None]

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if is_service_principal(request.user):
            # An integrator API key has no membership; views that accept keys say so explicitly.
            self.message, self.code = SERVICE_PRINCIPAL_REFUSED, "api_key_not_allowed"
            return False
        try:
            membership = tenant_membership_require(request)
        except MembershipRefused as exc:
            self.message, self.code = str(exc), exc.code
            return False
        return self.role_allows(membership, request)

    def role_allows(self, membership: Membership, request: Any) -> bool:
        return True


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
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role == Membership.Role.TENANT_ADMIN


class TenantAdminRequiredMixin(LoginRequiredMixin):
    """Portal views that change something: signed in, and an active tenant_admin of this tenant."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated:
            tenant_admin_require(request)
        return super().dispatch(request, *args, **kwargs)


class IsTenantAdmin(IsTenantMember):
    """API views: an active tenant_admin of the tenant whose domain was called."""

    def role_allows(self, membership: Membership, request: Any) -> bool:
        if membership.role == Membership.Role.TENANT_ADMIN:
            return True
        self.message, self.code = ADMIN_REQUIRED, "tenant_admin_required"
        return False


class IsTenantMemberReadAdminWrite(IsTenantMember):
    """API views: every active member may read; only a tenant_admin may write."""

    def role_allows(self, membership: Membership, request: Any) -> bool:
        if request.method in SAFE_METHODS or membership.role == Membership.Role.TENANT_ADMIN:
            return True
        self.message, self.code = ADMIN_REQUIRED, "tenant_admin_required"
        return False


def tenant_membership_get(*, tenant: Any, pk: Any) -> Membership:
    """One membership of this tenant (with its user); the same 404 for "not yours" and "missing"."""
    membership = Membership.objects.select_related("user", "tenant").filter(tenant=tenant, pk=pk).first()
    if membership is None:
        raise Http404("No such member in this organisation.")
    return membership
