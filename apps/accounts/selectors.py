from typing import Any

from django.db import connection
from django.urls import reverse

from apps.core.links import site_base_url

from .models import Membership

TENANT_URLCONF = "config.urls.tenant"


def membership_for(*, user: Any, tenant: Any) -> Membership | None:
    """The user's membership of the tenant, whatever its status, or None."""
    if user is None or not user.is_authenticated or tenant is None:
        return None
    return Membership.objects.filter(user=user, tenant=tenant).order_by().first()  # unique: no ordering join


def active_membership_for(*, user: Any, tenant: Any) -> Membership | None:
    membership = membership_for(user=user, tenant=tenant)
    return membership if membership is not None and membership.is_active else None


def tenant_admins(tenant: Any = None, *, schema_name: str | None = None) -> Any:
    """The tenant's active admins' memberships (a queryset: callers pick the columns they need). Without a
    tenant object, the tenant of `schema_name` (default: the current schema, inside a tenant's context)."""
    which = (
        {"tenant": tenant}
        if tenant is not None
        else {"tenant__schema_name": schema_name or getattr(connection, "schema_name", "")}
    )
    return Membership.objects.filter(**which, role=Membership.Role.TENANT_ADMIN, status=Membership.Status.ACTIVE)


def tenant_url(tenant: Any, url_name: str, *args: Any) -> str:
    """An absolute link to a portal page on the tenant's primary domain (for messages sent outside a
    request: emails, notifications); the bare path when the tenant has no domain yet."""
    path = reverse(url_name, args=args, urlconf=TENANT_URLCONF)
    domain = tenant.domains.filter(is_primary=True).values_list("domain", flat=True).first() if tenant else None
    return site_base_url(domain) + path if domain else path
