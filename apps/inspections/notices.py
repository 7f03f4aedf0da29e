"""Who inspection notices tell (`recipients(tenant, payload)`) and the link they open."""

from typing import Any
from uuid import UUID

from apps.accounts.selectors import tenant_admins, tenant_url


def admins_when_failed(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    """inspection.submitted: the tenant admins, only when the inspection did not pass."""
    if payload.get("passed") is not False:
        return []
    return list(tenant_admins(tenant).order_by("user_id").values_list("user_id", flat=True))


def result_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "inspections:detail", payload["id"])
