"""Turning what a caller names (a member's email or id, a team's or role's uuid, a workplace code, a
template code) into this tenant's rows, or a coded refusal. Shared by the API and the portal."""

import uuid
from typing import Any

from django.core.exceptions import ValidationError

from apps.access.models import Role
from apps.accounts.models import Membership, User
from apps.organisation.models import Entity
from apps.tenancy.context import connection_tenant
from apps.workplaces.models import Workplace

from .models import TaskTemplate


def _refused(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def member_get(value: Any, field: str = "assignee") -> User:
    """An active member of this tenant by email or user id."""
    text = str(value or "").strip()
    members = Membership.objects.filter(tenant=connection_tenant(), status=Membership.Status.ACTIVE)  # type: ignore[attr-defined]
    rows = User.objects.filter(pk__in=members.values("user_id"))
    try:
        found = rows.filter(pk=uuid.UUID(text)).first()
    except ValueError:
        found = rows.filter(email__iexact=text).first()
    if found is None:
        raise _refused(field, f"No member {text!r} in this organisation.", "unknown_member")
    return found


def workplace_by_code(code: Any) -> Workplace:
    found = Workplace.objects.filter(code=str(code or "").strip().upper()).select_related("entity").first()
    if found is None:
        raise _refused("workplace", f"No workplace {code!r} in this organisation.", "unknown_workplace")
    return found


def role_by_uuid(value: Any) -> Role:
    found = Role.objects.filter(uuid=value).first()
    if found is None:
        raise _refused("role", "No such role in this organisation.", "unknown_role")
    return found


def team_by_uuid(value: Any) -> Entity:
    found = Entity.objects.filter(uuid=value).first()
    if found is None:
        raise _refused("team", "No such team (entity) in this organisation.", "unknown_team")
    return found


def template_by_code(code: Any) -> TaskTemplate:
    found = TaskTemplate.objects.filter(code=str(code or "").strip().upper()).first()
    if found is None:
        raise _refused("template", f"No template {code!r} in this organisation.", "unknown_template")
    return found


def assignee_parts(data: dict[str, Any]) -> dict[str, Any]:
    """The assignee keyword arguments of the services from request data (emails and uuids resolved)."""
    return {
        "assignee_kind": data.get("assignee_kind") or None,
        "assignee": member_get(data["assignee"]) if data.get("assignee") else None,
        "team": team_by_uuid(data["team"]) if data.get("team") else None,
        "role": role_by_uuid(data["role"]) if data.get("role") else None,
    }


def checklist_pairs(rows: Any) -> list[tuple[str, bool]]:
    pairs = []
    for row in rows or []:
        text = str(row.get("text", "")).strip()
        if not text:
            raise _refused("checklist", "Every checklist item needs its text.", "text_required")
        pairs.append((text, bool(row.get("required") or row.get("is_required"))))
    return pairs
