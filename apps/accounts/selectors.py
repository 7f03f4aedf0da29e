from typing import Any

from .models import Membership


def membership_for(*, user: Any, tenant: Any) -> Membership | None:
    """The user's membership of the tenant, whatever its status, or None."""
    if user is None or not user.is_authenticated or tenant is None:
        return None
    return Membership.objects.filter(user=user, tenant=tenant).first()


def active_membership_for(*, user: Any, tenant: Any) -> Membership | None:
    membership = membership_for(user=user, tenant=tenant)
    return membership if membership is not None and membership.is_active else None


def tenant_admins(tenant: Any) -> Any:
    """The tenant's active admins' memberships (a queryset: callers pick the columns they need)."""
    return Membership.objects.filter(tenant=tenant, role=Membership.Role.TENANT_ADMIN, status=Membership.Status.ACTIVE)
