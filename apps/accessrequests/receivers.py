"""The access request follows its approval's return and resubmission (the outcome itself comes through
the kind's `on_decision` callback, inside the deciding transaction). Subscribed from AppConfig.ready()."""

from typing import Any

from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.core.events import subscribe

from .models import KIND, AccessRequest, AccessRequestStatus
from .services import access_request_mark_resubmitted, access_request_mark_returned


def _ours(items: list[tuple[Any, dict[str, Any]]]) -> list[tuple[Any, dict[str, Any]]]:
    return [(tenant, payload) for tenant, payload in items if tenant is not None and payload.get("kind") == KIND]


def _actor(payload: dict[str, Any]) -> User | None:
    actor_id = payload.get("actor_id")
    return User.objects.filter(pk=actor_id).first() if actor_id else None


@subscribe("approval.returned")
def approval_returned(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None:
    for tenant, payload in _ours(items):
        with schema_context(tenant.schema_name):
            access_request = AccessRequest.objects.filter(pk=payload["subject_id"]).first()
            if access_request is not None:
                actor = _actor(payload)
                access_request_mark_returned(access_request=access_request, reason=payload.get("comment", ""),
                                             acting_user=actor)  # fmt: skip


@subscribe("approval.submitted")
def approval_resubmitted(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None:
    """A returned request sent again from the approvals pages: the access request is pending again."""
    for tenant, payload in _ours(items):
        if payload.get("round", 1) <= 1:
            continue
        with schema_context(tenant.schema_name):
            access_request = AccessRequest.objects.filter(
                pk=payload["subject_id"], status=AccessRequestStatus.RETURNED
            ).first()
            if access_request is not None:
                actor = _actor(payload)
                access_request_mark_resubmitted(access_request=access_request, acting_user=actor)
