"""An inspection offered to a role follows its perform task when someone claims the task on the task's own
page or endpoint (the claim through `inspection_claim` sets both at once). Subscribed from AppConfig.ready()."""

from typing import Any

from django_tenants.utils import schema_context

from apps.core.events import subscribe

from .services import ORIGIN_INSPECTION, claimed_through_task


@subscribe("task.claimed")
def task_claimed(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None:
    for tenant, payload in items:
        if tenant is None or payload.get("origin_kind") != ORIGIN_INSPECTION or not payload.get("assignee_id"):
            continue
        with schema_context(tenant.schema_name):
            claimed_through_task(task_id=payload["id"], inspection_id=int(payload["origin_id"]),
                                 assignee_id=payload["assignee_id"])  # fmt: skip
