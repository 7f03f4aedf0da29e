"""Event payloads of assets and maintenance (published with apps.core.events; webhooks send them as-is)."""

from typing import Any

from .models import Asset, WorkOrder


def asset_payload(asset: Asset, *, previous_status: str | None = None) -> dict[str, Any]:
    payload = {
        "id": asset.pk,
        "code": asset.code,
        "label_code": asset.label_code,
        "name": asset.name,
        "category": asset.category.code,
        "serial_number": asset.serial_number,
        "status": asset.status,
        "site": asset.site.code,
        "custodian": str(asset.custodian_id) if asset.custodian_id else None,
    }
    if previous_status is not None:
        payload["previous_status"] = previous_status
    return payload


def work_order_payload(order: WorkOrder) -> dict[str, Any]:
    task = order.task
    return {
        "id": order.pk,
        "plan": order.plan_id,
        "plan_name": order.plan.name,
        "asset": order.asset.code,
        "asset_name": order.asset.name,
        "due_key": order.due_key,
        "due_at": order.due_at.isoformat() if order.due_at else None,
        "task": task.pk,
        "title": task.title,
        "assignee": str(task.assignee_id) if task.assignee_id else None,
    }


def sample_asset() -> dict[str, Any]:
    return {"id": 7, "code": "AST-000007", "label_code": "7KQ2M9XHTA", "name": "Dairy fridge 2",
            "category": "FRIDGE", "serial_number": "FR-88231", "status": "in_repair", "site": "SYD-CBD",
            "custodian": None, "previous_status": "active"}  # fmt: skip


def sample_work_order() -> dict[str, Any]:
    return {"id": 3, "plan": 1, "plan_name": "Fridge service", "asset": "AST-000007", "asset_name": "Dairy fridge 2",
            "due_key": "2026-03-02T09:00", "due_at": "2026-03-01T22:00:00+00:00", "task": 41,
            "title": "Fridge service: Dairy fridge 2", "assignee": None}  # fmt: skip
