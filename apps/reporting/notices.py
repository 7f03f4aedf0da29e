"""Who hears about reports (the Notice recipients and links of contributions.py): the members a scheduled
report was delivered to (in the app; the email went already), and the owner of a schedule whose run failed
after its retries (tenant admins when it has no owner)."""

from typing import Any
from uuid import UUID

from apps.accounts.selectors import tenant_admins, tenant_url


def members(tenant: Any, payload: dict[str, Any]) -> list[Any]:
    return list(payload.get("members") or [])


def owner(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    if payload.get("owner"):
        return [payload["owner"]]
    return list(tenant_admins(tenant).order_by("user_id").values_list("user_id", flat=True))


def file_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "reporting:file", payload["report"]) if payload.get("report") else ""


def run_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "reporting:run", payload["id"])
