"""Who hears about incidents (the Notice recipients and links of contributions.py): the organisation's
safety people, its tenant admins. A high or critical report is told at once (critical delivery), a minor
one follows each admin's preferences (digests, quiet hours)."""

from typing import Any
from uuid import UUID

from apps.accounts.selectors import tenant_admins, tenant_url

SERIOUS = ("high", "critical")


def _admins(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    admins = tenant_admins(tenant)
    if payload.get("reported_by"):
        admins = admins.exclude(user_id=payload["reported_by"])  # they know: they reported it
    return list(admins.order_by("user_id").values_list("user_id", flat=True))


def admins_if_serious(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    return _admins(tenant, payload) if payload.get("severity") in SERIOUS else []


def admins_if_minor(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    return _admins(tenant, payload) if payload.get("severity") not in SERIOUS else []


def admins(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    return list(tenant_admins(tenant).order_by("user_id").values_list("user_id", flat=True))


def url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "incidents:detail", payload["id"])
