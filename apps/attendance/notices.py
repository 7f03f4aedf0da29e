"""Who hears about attendance events (Notice recipients and links, contributions.py)."""

import uuid
from typing import Any

from apps.accounts.selectors import tenant_url
from apps.approvals.routing import managers_of, tenant_admin_ids


def person_and_manager(tenant: Any, payload: dict[str, Any]) -> list[uuid.UUID]:
    """The late person and their manager (reporting lines), or the tenant admins when nobody manages them."""
    person = uuid.UUID(payload["user_id"])
    manager = managers_of([person]).get(person)
    return [person, manager] if manager else [person, *tenant_admin_ids()]


def person(tenant: Any, payload: dict[str, Any]) -> list[uuid.UUID]:
    return [uuid.UUID(payload["user_id"])]


def board_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "attendance:board")


def corrections_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "attendance:corrections")


def overtime_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "attendance:overtime")
