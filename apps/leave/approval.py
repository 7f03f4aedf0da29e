"""The leave-request kind of approval (ApprovalKind "leave.request", apps/leave/contributions.py): what a
workflow condition may test, the inbox summary, the editor's sample, and the outcome callback."""

import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from apps.approvals.models import ApprovalEvent

from .models import LeaveRequest
from .services import leave_request_decide

DECIDING_ACTIONS = {"approved": ("approved", "auto_approved"), "rejected": ("rejected", "auto_rejected"),
                    "cancelled": ("cancelled",)}  # fmt: skip


def subject_fields(leave_request: LeaveRequest) -> dict[str, Any]:
    """The values a workflow condition may test (the kind's `fields`)."""
    leave_type = leave_request.leave_type
    return {
        "type": leave_type.code,
        "paid": leave_type.paid,
        "minutes": leave_request.minutes,
        "days": round(leave_request.minutes / leave_type.minutes_per_day),
        "calendar_days": (leave_request.end_date - leave_request.start_date).days + 1,
        "start_date": leave_request.start_date,
    }


def describe(leave_request: LeaveRequest) -> str:
    days = leave_request.minutes / leave_request.leave_type.minutes_per_day
    return (
        f"{leave_request.leave_type.name}: {leave_request.start_date:%d %b} to {leave_request.end_date:%d %b %Y} "
        f"({days:.4g} days)"
    )[:255]


def sample() -> dict[str, Any]:
    """The workflow editor's preview: a week of annual leave."""
    return {"type": "ANNUAL", "paid": True, "minutes": 2280, "days": 5, "calendar_days": 7,
            "start_date": datetime.date(2026, 3, 2)}  # fmt: skip


def _decision(request: Any, outcome: str) -> tuple[Any, str]:
    event = (
        ApprovalEvent.objects.filter(request=request, action__in=DECIDING_ACTIONS.get(outcome, ()))
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    return (event.actor, event.comment) if event is not None else (None, "")


def on_decision(request: Any, outcome: str) -> None:
    """Told the final outcome inside the deciding transaction: approved → the "taken" ledger entry;
    rejected → the reason is kept; cancelled → closed. A second call changes nothing."""
    try:
        leave_request = LeaveRequest.objects.select_related("leave_type").get(pk=request.subject_id)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise ObjectDoesNotExist(f"The leave request {request.subject_id} of this approval is gone.") from exc
    actor, reason = _decision(request, outcome)
    leave_request_decide(leave_request=leave_request, outcome=outcome, acting_user=actor, reason=reason)
