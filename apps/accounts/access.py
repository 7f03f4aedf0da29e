"""Who may use a tenant's portal and API: active members of that tenant, nobody else."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.permissions import BasePermission

from .models import Membership
from .selectors import membership_for

REFUSALS: dict[str | None, str] = {
    None: "You are not a member of this organisation.",
    Membership.Status.SUSPENDED: "Your membership of this organisation is suspended. Ask an administrator.",
    Membership.Status.REMOVED: "You have been removed from this organisation.",
}


def tenant_membership_require(request: HttpRequest) -> Membership:
    """The requesting user's active membership of the request's tenant, or PermissionDenied."""
    membership = membership_for(user=request.user, tenant=getattr(request, "tenant", None))
    if membership is None or not membership.is_active:
        raise PermissionDenied(REFUSALS[membership.status if membership else None])
    request.membership = membership  # type: ignore[attr-defined]
    return membership


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
        try:
            tenant_membership_require(request)
        except PermissionDenied as exc:
            self.message = str(exc)
            return False
        return True
