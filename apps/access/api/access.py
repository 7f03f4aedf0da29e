"""Reads and access rules of the role and assignment pages and endpoints (portal and API alike).

Who may see and change what:
- Any active member sees the roles; only a tenant admin (or an API key with `access:write`)
  creates, changes or deletes them.
- A tenant admin sees and manages every assignment. Anyone else sees their own assignments (given
  to them, to a team they belong to, or to the calling API key) and those scoped to an entity where
  the resolver grants them `organisation.assign_roles`; there they may also create and revoke
  assignments, but only of roles whose permissions they hold there themselves (no one can hand out
  more than they have).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from apps.access.catalogue import permission_get
from apps.access.models import AssignmentStatus, PermissionCondition, Role, RoleAssignment
from apps.access.resolver import allowed_entities, may
from apps.access.roles import EffectivePermissions, permissions_merge, role_carrying
from apps.access.selectors import assignments_list, roles_list
from apps.organisation.models import Entity, EntityMembership, path_ids

ASSIGN_ROLES = "organisation.assign_roles"
EXPIRING_SOON = timedelta(days=7)
PRINCIPAL_KINDS = [("user", "Person"), ("team", "Team"), ("api_key", "API key")]


def is_key(principal: Any) -> bool:
    return bool(getattr(principal, "is_service_principal", False))


# --- Roles --------------------------------------------------------------------------------------


def _uuid_or_none(value: Any) -> Any:
    """A malformed uuid is as missing as an unknown one (the same 404, not a 400)."""
    try:
        return Role._meta.get_field("uuid").to_python(value)
    except ValidationError:
        return None


def role_get(*, uuid: Any) -> Role:
    uuid = _uuid_or_none(uuid)
    role = Role.objects.select_related("parent").filter(uuid=uuid).first() if uuid else None
    if role is None:
        raise Http404("No such role in this organisation.")
    return role


def role_ancestry(roles: list[Role]) -> dict[int, Role]:
    """The given roles and every role they inherit from, by id (one query, none when all are known)."""
    known = {role.pk: role for role in roles}
    missing = {pk for role in roles for pk in path_ids(role.path)} - set(known)
    if missing:
        known.update({role.pk: role for role in Role.objects.filter(pk__in=missing)})
    return known


def role_chain(role: Role, ancestry: dict[int, Role]) -> list[Role]:
    """The role and its ancestors, the role first."""
    return [ancestry[pk] for pk in reversed(path_ids(role.path)) if pk in ancestry]


def inherited_permissions(role: Role, ancestry: dict[int, Role]) -> list[dict[str, Any]]:
    """What the role inherits, each permission from the nearest ancestor carrying it."""
    seen: set[str] = set()
    inherited = []
    for ancestor in role_chain(role, ancestry)[1:]:
        for entry in ancestor.permissions:
            if entry["permission"] not in seen:
                seen.add(entry["permission"])
                inherited.append({"permission": entry["permission"],
                                  "conditions": list(entry.get("conditions") or []), "role": ancestor})  # fmt: skip
    return inherited


def effective_permissions(role: Role, ancestry: dict[int, Role]) -> EffectivePermissions:
    return permissions_merge(each.permissions for each in role_chain(role, ancestry))


@dataclass
class RoleNode:
    """A role as the tree page shows it."""

    role: Role
    depth: int
    inherited: list[dict[str, Any]]
    assignment_count: int = 0


def role_tree() -> list[RoleNode]:
    """Every role, parents before children (path order), with what it inherits: one query."""
    roles = list(roles_list().order_by("path"))
    ancestry = role_ancestry(roles)
    return [
        RoleNode(role=role, depth=len(path_ids(role.path)) - 1, inherited=inherited_permissions(role, ancestry),
                 assignment_count=role.current_assignments)  # type: ignore[attr-defined]
        for role in roles
    ]  # fmt: skip


# --- Assignments --------------------------------------------------------------------------------


def _own(principal: Any) -> Q:
    if is_key(principal):
        return Q(api_key_id=principal.api_key.pk)
    teams = EntityMembership.objects.filter(profile__user_id=principal.pk).values("entity_id")
    return Q(user_id=principal.pk) | Q(team_id__in=teams)


def assignments_visible_to(principal: Any, *, is_admin: bool) -> QuerySet[RoleAssignment]:
    """Everything for a tenant admin; otherwise the principal's own and those in scopes where they
    may assign roles. One query: the rights are subqueries."""
    assignments = assignments_list()
    if is_admin:
        return assignments
    assignable = allowed_entities(principal, ASSIGN_ROLES).values("pk")
    return assignments.filter(_own(principal) | Q(scope_entity_id__in=assignable))


def assignment_get_for(principal: Any, *, is_admin: bool, uuid: Any) -> RoleAssignment:
    """One assignment the principal may see; the same 404 for "not yours" and "missing"."""
    uuid = _uuid_or_none(uuid)
    assignment = assignments_visible_to(principal, is_admin=is_admin).filter(uuid=uuid).first() if uuid else None
    if assignment is None:
        raise Http404("No such assignment in this organisation.")
    return assignment


def assignable_scopes(principal: Any, *, is_admin: bool) -> QuerySet[Entity]:
    """The entities in which the principal may give roles."""
    entities = Entity.objects.all() if is_admin else allowed_entities(principal, ASSIGN_ROLES)
    return entities.order_by("path")


def may_assign(principal: Any, *, is_admin: bool, scope_entity: Entity | None) -> bool:
    if is_admin:
        return True
    return scope_entity is not None and may(principal, ASSIGN_ROLES, scope_entity)


def may_revoke(principal: Any, *, is_admin: bool, assignment: RoleAssignment) -> bool:
    return may_assign(principal, is_admin=is_admin, scope_entity=assignment.scope_entity)


def _held_at(principal: Any, scope_entity: Entity) -> EffectivePermissions:
    """What the principal holds at `scope_entity` through their active assignments covering it."""
    covering = RoleAssignment.objects.filter(
        _own(principal), status=AssignmentStatus.ACTIVE, scope_entity_id__in=path_ids(scope_entity.path)
    ).select_related("role")
    assignments = list(covering)
    ancestry = role_ancestry([a.role for a in assignments])
    held: list[list[dict[str, Any]]] = []
    for assignment in assignments:
        effective = effective_permissions(assignment.role, ancestry)
        held.append([
            {"permission": key, "conditions": sorted(conditions)} for key, conditions in effective.items()
            if PermissionCondition.SCOPE_ONLY not in conditions or assignment.scope_entity_id == scope_entity.pk
        ])  # fmt: skip
    return permissions_merge(held)


def delegation_check(principal: Any, *, is_admin: bool, role: Role, scope_entity: Entity) -> None:
    """A delegated assigner (not a tenant admin) may only give a role whose every permission they
    hold at the scope themselves, at least as broadly; otherwise a ValidationError on `role`."""
    if is_admin:
        return
    held = _held_at(principal, scope_entity)
    wanted = effective_permissions(role, role_ancestry([role]))
    beyond = sorted(key for key, conditions in wanted.items() if key not in held or not held[key] <= conditions)
    if beyond:
        labels = [(permission_get(key).label if permission_get(key) else key) for key in beyond[:5]]  # type: ignore[union-attr]
        more = f" and {len(beyond) - 5} more" if len(beyond) > 5 else ""
        raise ValidationError({"role": ValidationError(
            "You can only give roles whose permissions you hold in %(scope)s yourself; “%(role)s” also carries: "
            "%(labels)s%(more)s.", code="beyond_own_rights",
            params={"scope": scope_entity.name, "role": role.name, "labels": ", ".join(labels), "more": more},
        )})  # fmt: skip


# --- Everything a person (or key) may do --------------------------------------------------------


@dataclass
class AccessLine:
    """One assignment of a principal with every permission it gives, and which role carries each."""

    assignment: RoleAssignment
    principal_kind: str
    permissions: list[dict[str, Any]] = field(default_factory=list)


def access_overview(principal: Any) -> list[AccessLine]:
    """The principal's current and scheduled assignments with their effective permissions
    (three queries whatever their number)."""
    assignments = list(
        assignments_list()
        .filter(_own(principal), status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.SCHEDULED])
        .order_by("status", "role__name", "pk")
    )
    ancestry = role_ancestry([a.role for a in assignments])
    lines = []
    for assignment in assignments:
        chain = role_chain(assignment.role, ancestry)
        effective = permissions_merge(each.permissions for each in chain)
        permissions = []
        for key in sorted(effective):
            found = permission_get(key)
            label = found.label if found else key
            via_role = role_carrying(chain, key)
            permissions.append(
                {"permission": key, "label": label, "conditions": sorted(effective[key]), "via_role": via_role}
            )
        kind = "api_key" if assignment.api_key_id else "team" if assignment.team_id else "user"
        lines.append(AccessLine(assignment=assignment, principal_kind=kind, permissions=permissions))
    return lines
