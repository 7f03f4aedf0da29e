"""Role permission sets: normalising what a role carries, and what it holds with its ancestors'.

A role's `permissions` is a list of {"permission": "app_label.codename", "conditions": [...]}.
Conditions narrow a permission, so when a role and an ancestor both carry one, the conditions
they share apply: an entry without conditions makes the permission unconditional.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from apps.organisation.models import path_ids

from .catalogue import condition_error, permission_get
from .models import PermissionCondition, Role

EffectivePermissions = dict[str, set[str]]


def permissions_normalise(permissions: Iterable[Any]) -> list[dict[str, Any]]:
    """Validated entries, sorted by permission; raises ValidationError naming every bad entry."""
    entries: dict[str, list[str]] = {}
    errors: list[str] = []
    for raw in permissions:
        entry = {"permission": raw, "conditions": []} if isinstance(raw, str) else raw
        if not isinstance(entry, dict) or not isinstance(entry.get("permission"), str):
            errors.append(f"Each permission is “app_label.codename” or {{“permission”: …}}, not {raw!r}.")
            continue
        key = entry["permission"].strip()
        conditions = sorted({str(c) for c in entry.get("conditions") or []})
        if key in entries:
            errors.append(f"{key} is listed twice.")
        elif permission_get(key) is None:
            errors.append(f"Unknown permission: {key} (not a permission of a tenant model).")
        else:
            errors.extend(e for c in conditions if (e := condition_error(key, c)))
            if {PermissionCondition.OWN_RECORDS, PermissionCondition.SCOPE_ONLY} <= set(conditions):
                errors.append(f"{key}: “own_records” and “scope_only” cannot be combined.")
            entries[key] = conditions
    if errors:
        raise ValidationError({"permissions": [ValidationError(e, code="invalid_permission") for e in errors]})
    return [{"permission": key, "conditions": entries[key]} for key in sorted(entries)]


def permissions_merge(chain: Iterable[list[dict[str, Any]]]) -> EffectivePermissions:
    """The effective permissions of permission lists (a role's and its ancestors')."""
    merged: EffectivePermissions = {}
    for permissions in chain:
        for entry in permissions:
            key, conditions = entry["permission"], set(entry.get("conditions") or [])
            merged[key] = merged[key] & conditions if key in merged else conditions
    return merged


def role_chain(role: Role) -> list[Role]:
    """The role and its ancestors, the role first (one query, at any depth)."""
    ids = path_ids(role.path)
    by_id = {each.pk: each for each in Role.objects.filter(pk__in=ids)}
    return [by_id[pk] for pk in reversed(ids) if pk in by_id]


def role_effective_permissions(role: Role) -> EffectivePermissions:
    """permission -> conditions, including what the role inherits from its ancestors (one query)."""
    return permissions_merge(each.permissions for each in role_chain(role))


def roles_effective_permissions() -> dict[int, EffectivePermissions]:
    """Every role of the schema with its effective permissions (one query: roles are few)."""
    rows = list(Role.objects.values_list("id", "path", "permissions"))
    own = {pk: permissions for pk, _, permissions in rows}
    return {pk: permissions_merge(own[a] for a in path_ids(path) if a in own) for pk, path, _ in rows}


def role_carrying(chain: list[Role], permission: str) -> Role | None:
    """The nearest role of the chain (the role first) whose own entries carry the permission."""
    return next((role for role in chain if any(e["permission"] == permission for e in role.permissions)), None)
