"""Who hears about rosters (Notice recipients and links, contributions.py)."""

import uuid
from typing import Any

from apps.accounts.selectors import tenant_url


def roster_people(tenant: Any, payload: dict[str, Any]) -> list[uuid.UUID]:
    return [uuid.UUID(user_id) for user_id in payload["user_ids"]]


def shift_person(tenant: Any, payload: dict[str, Any]) -> list[uuid.UUID]:
    return [uuid.UUID(payload["user_id"])]


def my_shifts_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "rosters:my_shifts")
