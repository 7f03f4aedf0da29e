"""A correction follows its approval's return for changes and resubmission (the outcome itself comes
through the kind's `on_decision`, inside the deciding transaction). Subscribed from AppConfig.ready()."""

from typing import Any

from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.core.events import subscribe

from .models import CORRECTION_KIND, AttendanceCorrection, CorrectionStatus
from .services import correction_mark


def _ours(items: list[tuple[Any, dict[str, Any]]]) -> list[tuple[Any, dict[str, Any]]]:
    return [(t, p) for t, p in items if t is not None and p.get("kind") == CORRECTION_KIND]


def _actor(payload: dict[str, Any]) -> User | None:
    actor_id = payload.get("actor_id")
    return User.objects.filter(pk=actor_id).first() if actor_id else None


@subscribe("approval.returned")
def approval_returned(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None:
    for tenant, payload in _ours(items):
        with schema_context(tenant.schema_name):
            correction = AttendanceCorrection.objects.filter(pk=payload["subject_id"]).first()
            if correction is not None:
                correction_mark(correction=correction, status=CorrectionStatus.RETURNED, acting_user=_actor(payload),
                                reason=payload.get("comment", ""))  # fmt: skip


@subscribe("approval.submitted")
def approval_resubmitted(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None:
    for tenant, payload in _ours(items):
        if payload.get("round", 1) <= 1:
            continue
        with schema_context(tenant.schema_name):
            correction = AttendanceCorrection.objects.filter(pk=payload["subject_id"]).first()
            if correction is not None:
                correction_mark(correction=correction, status=CorrectionStatus.PENDING, acting_user=_actor(payload))
