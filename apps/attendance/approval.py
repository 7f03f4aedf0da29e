"""The two approval kinds of attendance (contributions.py): "attendance.correction" (a day's punches
replaced) and "attendance.overtime" (an overtime record paid). What a workflow condition may test,
the inbox summary, the editor's sample, and the outcome callbacks (inside the deciding transaction)."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from .models import AttendanceCorrection, OvertimeRecord
from .selectors import approval_decision
from .services import correction_decide, overtime_decide


def _who(user: Any) -> str:
    return user.full_name or user.email


def correction_fields(correction: AttendanceCorrection) -> dict[str, Any]:
    by_other = bool(correction.requested_by_id and correction.requested_by_id != correction.user_id)
    return {"date": correction.date, "punch_count": len(correction.punches or []), "for_someone_else": by_other}


def correction_describe(correction: AttendanceCorrection) -> str:
    return f"{_who(correction.user)}: correct the punches of {correction.date:%a %d %b %Y}"[:255]


def correction_sample() -> dict[str, Any]:
    return {"date": "2026-12-04", "punch_count": 2, "for_someone_else": False}


def correction_on_decision(request: Any, outcome: str) -> None:
    try:
        correction = AttendanceCorrection.objects.get(pk=request.subject_id)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise ObjectDoesNotExist(f"The attendance correction {request.subject_id} of this approval is gone.") from exc
    actor, reason = approval_decision(request, outcome)
    correction_decide(correction=correction, outcome=outcome, acting_user=actor, reason=reason)


def overtime_fields(record: OvertimeRecord) -> dict[str, Any]:
    return {"minutes": record.minutes, "reason": record.reason, "multiplier": record.multiplier, "date": record.date}


def overtime_describe(record: OvertimeRecord) -> str:
    return (
        f"{_who(record.user)}: {record.minutes} min overtime ({record.get_reason_display().lower()}) on {record.date}"[
            :255
        ]
    )


def overtime_sample() -> dict[str, Any]:
    return {"minutes": 90, "reason": "daily", "multiplier": "1.50", "date": "2026-12-05"}


def overtime_on_decision(request: Any, outcome: str) -> None:
    try:
        record = OvertimeRecord.objects.get(pk=request.subject_id)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise ObjectDoesNotExist(f"The overtime record {request.subject_id} of this approval is gone.") from exc
    actor, reason = approval_decision(request, outcome)
    overtime_decide(record=record, outcome=outcome, acting_user=actor, reason=reason)
