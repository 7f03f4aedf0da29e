"""Who each approvals notice tells (`recipients(tenant, payload)` of the Notices in contributions.py),
and the link the message opens (`url(tenant, payload)`): the request's portal page, absolute on the
tenant's domain (an email or SMS carries it as it is)."""

import uuid
from collections.abc import Iterable
from typing import Any

from django.urls import NoReverseMatch

from apps.accounts.selectors import tenant_url


def _users(ids: Any) -> list[uuid.UUID]:
    """User ids (users are keyed by UUID; payloads carry them as strings)."""
    return [uuid.UUID(str(pk)) for pk in ids or []]


def approvers(tenant: Any, payload: dict[str, Any]) -> Iterable[uuid.UUID]:
    """step_opened and reminder: the people asked."""
    return _users(payload.get("approver_ids"))


def escalation_targets(tenant: Any, payload: dict[str, Any]) -> Iterable[uuid.UUID]:
    return _users(payload.get("escalated_to_ids"))


def requester(tenant: Any, payload: dict[str, Any]) -> Iterable[uuid.UUID]:
    """Outcomes and returns: the requester (unless they did it themselves)."""
    requester_id = payload.get("requester_id")
    return _users([requester_id]) if requester_id and requester_id != payload.get("actor_id") else []


def pending_approvers_of_cancelled(tenant: Any, payload: dict[str, Any]) -> Iterable[uuid.UUID]:
    return _users(payload.get("approver_ids"))


def participants(tenant: Any, payload: dict[str, Any]) -> Iterable[uuid.UUID]:
    """A comment: the requester and the people asked now, not the author."""
    return _users(payload.get("participant_ids"))


def url(tenant: Any, payload: dict[str, Any]) -> str:
    """The request's portal page on the tenant's domain ("" until the portal pages exist)."""
    try:
        return tenant_url(tenant, "approvals:detail", payload["uuid"])
    except NoReverseMatch:
        return ""
