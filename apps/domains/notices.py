"""Who is told that a custom domain's certificate is failing or expiring (the Notice in contributions.py;
apps.notifications calls these as `fn(tenant, payload)`)."""

from typing import Any
from uuid import UUID

from apps.accounts.selectors import tenant_admins, tenant_url


def the_tenant_admins(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    """The organisation's admins: they manage its domains and their DNS. One query."""
    return list(tenant_admins(tenant).order_by("user_id").values_list("user_id", flat=True))


def domains_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "tenant-domains:list")
