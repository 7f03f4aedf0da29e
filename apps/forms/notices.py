"""Who hears about forms (the Notice recipients and links of contributions.py): a sent submission tells
who reviews it (the open approval step's approvers, else the submitter's managers, else the tenant admins);
a decision and a comment tell the submitter (not the commenter themselves)."""

from typing import Any
from uuid import UUID

from apps.accounts.selectors import tenant_admins, tenant_url
from apps.approvals.models import ApprovalAssignment
from apps.organisation.models import MemberProfile


def reviewers(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    """Nobody when a workflow routes it (the approvals engine tells its approvers), else the person's
    manager, else the tenant admins."""
    if ApprovalAssignment.objects.filter(
        request__kind="forms.submission", request__subject_id=str(payload["id"])
    ).exists():
        return []
    manager = (
        MemberProfile.objects.filter(user_id=payload["person"], manager__isnull=False)
        .values_list("manager__user_id", flat=True).first()
    )  # fmt: skip
    if manager is not None:
        return [manager]
    admins = tenant_admins(tenant).exclude(user_id=payload["person"])
    return list(admins.order_by("user_id").values_list("user_id", flat=True))


def submitter(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    return [payload["person"]]


def submitter_unless_author(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    return [] if payload.get("author") == payload["person"] else [payload["person"]]


def url(tenant: Any, payload: dict[str, Any]) -> str:
    return tenant_url(tenant, "forms:submission", payload["id"])
