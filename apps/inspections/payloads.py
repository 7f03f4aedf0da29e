"""Event payloads of inspections (published with apps.core.events; webhooks send them as-is)."""

from typing import Any

from .models import Answer, Inspection


def inspection_payload(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": inspection.pk,
        "template": inspection.template.code,
        "template_version": inspection.template.version,
        "template_name": inspection.template.name,
        "workplace": inspection.workplace.code,
        "workplace_name": inspection.workplace.name,
        "score": str(inspection.score) if inspection.score is not None else None,
        "pass_mark": inspection.template.pass_mark,
        "passed": inspection.passed,
        "submitted_at": inspection.submitted_at.isoformat() if inspection.submitted_at else None,
        "submitted_by": str(inspection.submitted_by_id) if inspection.submitted_by_id else None,
    }


def failed_item_payload(inspection: Inspection, answer: Answer) -> dict[str, Any]:
    return {
        "inspection": inspection.pk,
        "template": inspection.template.code,
        "workplace": inspection.workplace.code,
        "answer": answer.pk,
        "item": answer.item_id,
        "question": answer.item.question,
        "value": answer.value,
        "note": answer.note,
        "corrective_task": answer.corrective_task_id,
    }


def sample_payload() -> dict[str, Any]:
    return {
        "id": 311, "template": "STORE-SAFETY", "template_version": 2, "template_name": "Store safety walk",
        "workplace": "SYD-CBD", "workplace_name": "Sydney CBD Store", "score": "87.50", "pass_mark": 80,
        "passed": True, "submitted_at": "2026-12-07T09:41:00+00:00",
        "submitted_by": "6b1f4f5e-2c57-4f0a-9a53-0d8f1c7e9a11",
    }  # fmt: skip


def sample_failed_item_payload() -> dict[str, Any]:
    return {
        "inspection": 311, "template": "STORE-SAFETY", "workplace": "SYD-CBD", "answer": 2488, "item": 17,
        "question": "Fire exits clear of stock", "value": "fail", "note": "Pallet in front of exit B",
        "corrective_task": 90211,
    }  # fmt: skip
