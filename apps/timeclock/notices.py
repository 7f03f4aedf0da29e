"""Who the time-clock notices tell (`recipients(tenant, payload)`) and the link they open."""

import uuid
from collections.abc import Iterable
from typing import Any

from apps.accounts.selectors import tenant_url


def person(tenant: Any, payload: dict[str, Any]) -> Iterable[uuid.UUID]:
    return [uuid.UUID(str(payload["user"]))] if payload.get("user") else []


def clock_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "timeclock:clock")
