"""Who the maintenance notices tell (`recipients(tenant, payload)`) and the link they open."""

import uuid
from collections.abc import Iterable
from typing import Any

from apps.accounts.selectors import tenant_url


def assignee(tenant: Any, payload: dict[str, Any]) -> Iterable[uuid.UUID]:
    return [uuid.UUID(str(payload["assignee"]))] if payload.get("assignee") else []


def asset_url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "assets:detail", payload["asset"])
