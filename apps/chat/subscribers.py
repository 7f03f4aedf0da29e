"""Chat listens to the workplaces app: a workplace whose entity changed brings its channel's people in step
at once (the beat reconciles everything else, sync.py)."""

import logging
from typing import Any

from django_tenants.utils import tenant_context

from apps.core.events import subscribe

from .sync import workplace_channels_reconcile

logger = logging.getLogger(__name__)


@subscribe("workplace.updated")
def on_workplace_updated(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None:
    by_tenant: dict[Any, list[int]] = {}
    for tenant, payload in items:
        if tenant is not None and payload.get("id"):
            by_tenant.setdefault(tenant, []).append(payload["id"])
    for tenant, ids in by_tenant.items():
        try:
            with tenant_context(tenant):
                workplace_channels_reconcile(ids)
        except Exception:
            logger.exception("Chat channels of workplaces %s not reconciled in %s", ids, tenant.schema_name)
