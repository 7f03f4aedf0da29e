"""Writes on access control: roles, role assignments and the sweep. Run in the tenant's schema.

Every write checks its rules first (a clear message on the right field), records history and an
audit event, and keeps the materialised grants (apps.access.materialise) in step in the same
transaction: a role's new permissions reach its active assignments at once, a revoked or expired
assignment's access is gone when the call returns.
"""

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Membership
from apps.audit import writes
from apps.audit.services import audit_record
from apps.integrations.models import ApiKey
from apps.organisation.models import Entity
from apps.tenancy.context import connection_tenant

from .catalogue import permission_catalogue, tenant_app_labels
from .materialise import assignments_dematerialise, assignments_materialise, role_subtree_rematerialise
from .models import AssignmentStatus, PermissionCondition, Role, RoleAssignment
from .roles import permissions_normalise, role_effective_permissions

__all__ = [
    "assignment_create",
    "assignment_revoke",
    "assignments_sweep",
    "default_roles_ensure",
    "role_create",
    "role_delete",
    "role_effective_permissions",
    "role_update",
]


def _in_this_schema(instance: models.Model) -> bool:
    """The instance exists in the current tenant schema (the uuid tells apart equal ids of other tenants)."""
    model = type(instance)
    rows = model._default_manager.filter(pk=instance.pk)
    if any(field.name == "uuid" for field in model._meta.concrete_fields):
        rows = rows.filter(uuid=instance.uuid)  # type: ignore[attr-defined]
    return instance.pk is not None and rows.exists()


# --- Roles --------------------------------------------------------------------------------------


ROLE_AUDITED = writes.Fields("code", "name", "permissions", "is_system", parent="parent.code")


def _role_parent_check(*, role: Role | None, parent: Role | None) -> None:
    if parent is None:
        return
    if not _in_this_schema(parent):
        raise ValidationError({"parent": ValidationError("Unknown parent role.", code="invalid_parent")})
    if role is None or role.pk is None:
        return
    if parent.pk == role.pk:
        raise ValidationError({"parent": ValidationError("A role cannot inherit from itself.", code="cycle")})
    parent_path = Role.objects.values_list("path", flat=True).get(pk=parent.pk)
    if f"/{role.pk}/" in parent_path:
        message = f"“{parent.name}” inherits from “{role.name}”: a role cannot inherit from a role below it."
        raise ValidationError({"parent": ValidationError(message, code="cycle")})


def _role_save(role: Role, acting_user: Any) -> None:
    role.full_clean(exclude=["parent_path"])
    role._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    role.save()


@transaction.atomic
def role_create(
    *,
    code: str,
    name: str,
    permissions: list[Any],
    parent: Role | None = None,
    description: str = "",
    acting_user: Any,
    is_system: bool = False,
) -> Role:
    _role_parent_check(role=None, parent=parent)
    role = Role(
        code=code.strip(), name=name.strip(), description=description, parent=parent,
        permissions=permissions_normalise(permissions), is_system=is_system,
    )  # fmt: skip
    _role_save(role, acting_user)
    audit_record(
        action="access.role_created", acting_user=acting_user, tenant=connection_tenant(), target=role,
        after=writes.snapshot(role, ROLE_AUDITED),
    )  # fmt: skip
    return role


ROLE_FIELDS = {"code", "name", "description", "permissions", "parent"}


@transaction.atomic
def role_update(*, role: Role, acting_user: Any, **fields: Any) -> Role:
    """Change a role; new permissions or a new parent re-materialise the grants of the active
    assignments of the role and of every role below it."""
    unknown = set(fields) - ROLE_FIELDS
    if unknown:
        raise ValueError(f"role_update cannot change {sorted(unknown)}.")
    role = Role.objects.select_for_update(of=("self",)).select_related("parent").get(pk=role.pk)
    if role.is_system and "code" in fields and fields["code"] != role.code:
        raise ValidationError({"code": ValidationError("A default role keeps its code.", code="system_role")})
    before = writes.snapshot(role, ROLE_AUDITED)
    if "parent" in fields:
        _role_parent_check(role=role, parent=fields["parent"])
    if "permissions" in fields:
        fields["permissions"] = permissions_normalise(fields["permissions"])
    regrant = fields.get("permissions", role.permissions) != role.permissions or (
        "parent" in fields and getattr(fields["parent"], "pk", None) != role.parent_id
    )
    for field, value in fields.items():
        setattr(role, field, value.strip() if field in {"code", "name"} else value)
    _role_save(role, acting_user)
    if regrant:
        role_subtree_rematerialise(role.path)
    audit_record(
        action="access.role_updated", acting_user=acting_user, tenant=connection_tenant(), target=role,
        before=before, after=writes.snapshot(role, ROLE_AUDITED),
    )  # fmt: skip
    return role


@transaction.atomic
def role_delete(*, role: Role, acting_user: Any) -> None:
    role = Role.objects.select_for_update(of=("self",)).select_related("parent").get(pk=role.pk)
    if role.is_system:
        raise ValidationError(f"“{role.name}” is a default role and cannot be deleted.", code="system_role")
    children = list(Role.objects.filter(parent=role).values_list("name", flat=True)[:3])
    if children:
        raise ValidationError(
            f"“{role.name}” cannot be deleted: {', '.join(children)} inherit from it. Change their parent first.",
            code="role_has_children",
        )
    assignments = RoleAssignment.objects.filter(role=role).count()
    if assignments:
        raise ValidationError(
            f"“{role.name}” has {assignments} assignment(s) (current or past) and cannot be deleted: "
            "their history refers to it.",
            code="role_in_use",
        )
    audit_record(
        action="access.role_deleted", acting_user=acting_user, tenant=connection_tenant(), target=role,
        before=writes.snapshot(role, ROLE_AUDITED),
    )  # fmt: skip
    role._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    role.delete()


# --- Default roles ------------------------------------------------------------------------------

# (code, name, parent code, own permissions, description), parents first. The tenant admin role
# carries every permission of the catalogue, so its list is computed.
DEFAULT_ROLES: list[tuple[str, str, str | None, list[Any], str]] = [
    ("member", "Member", None, [
        "organisation.view_entity",
        {"permission": "organisation.view_memberprofile", "conditions": [PermissionCondition.OWN_RECORDS]},
        {"permission": "organisation.change_memberprofile", "conditions": [PermissionCondition.OWN_RECORDS]},
    ], "Sees the organisation and keeps their own profile up to date."),
    ("viewer", "Viewer", "member", [
        "organisation.view_people", "organisation.view_memberprofile", "organisation.view_entitymembership",
    ], "A member who also sees the people of the scope."),
    ("manager", "Manager", "viewer", [
        "organisation.manage_people", "organisation.assign_roles", "organisation.add_entity",
        "organisation.change_entity", "organisation.change_memberprofile", "organisation.add_entitymembership",
        "organisation.delete_entitymembership", "organisation.view_security_policy",
    ], "A viewer who also runs the scope: its people, its entities and who holds which role."),
    ("tenant-admin", "Tenant admin", "manager", [], "Every permission, within the scope."),
]  # fmt: skip


@transaction.atomic
def default_roles_ensure(*, acting_user: Any = None) -> list[Role]:
    """Create the default roles that do not exist yet (existing ones are left as the tenant made them)."""
    roles: dict[str, Role] = {role.code: role for role in Role.objects.filter(code__in=[r[0] for r in DEFAULT_ROLES])}
    for code, name, parent_code, permissions, description in DEFAULT_ROLES:
        if code in roles:
            continue
        parent = roles.get(parent_code) if parent_code else None
        if code == "tenant-admin":
            inherited = role_effective_permissions(parent) if parent else {}
            permissions = [key for key in sorted(permission_catalogue()) if inherited.get(key) != set()]
        roles[code] = role_create(
            code=code, name=name, permissions=permissions, parent=parent, description=description,
            acting_user=acting_user, is_system=True,
        )  # fmt: skip
    return [roles[code] for code, *_ in DEFAULT_ROLES]


# --- Assignments --------------------------------------------------------------------------------


ASSIGNMENT_AUDITED = writes.Fields(
    "status", "valid_from", "valid_until", "reason", "end_reason", "scope_object_id", role="role.code", user="user_id",
    team="team_id", api_key="api_key_id", scope_entity="scope_entity_id", scope_content_type="scope_content_type_id",
)  # fmt: skip


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _principal_check(*, user: Any, team: Entity | None, api_key: ApiKey | None) -> None:
    if sum(p is not None for p in (user, team, api_key)) != 1:
        raise _error(NON_FIELD_ERRORS, "Give the role to exactly one user, team or API key.", "one_principal")
    if user is not None:
        member = Membership.objects.filter(
            user_id=user.pk, tenant__schema_name=getattr(connection, "schema_name", ""), status=Membership.Status.ACTIVE
        ).exists()
        if not member:
            raise _error("user", f"{user} is not an active member of this organisation.", "not_member")
    if team is not None and not _in_this_schema(team):
        raise _error("team", "This team is not part of this organisation.", "scope_outside_tenant")
    if api_key is not None:
        current = ApiKey.objects.filter(pk=api_key.pk, prefix=api_key.prefix).first()  # the prefix is unique
        if current is None:
            raise _error("api_key", "This API key does not belong to this organisation.", "scope_outside_tenant")
        if current.status != ApiKey.Status.ACTIVE:
            raise _error("api_key", f"The API key {current} is {current.status}.", "api_key_inactive")


def _scope_check(*, scope_entity: Entity | None, scope_object: models.Model | None) -> None:
    if (scope_entity is None) == (scope_object is None):
        raise _error(NON_FIELD_ERRORS, "Scope the role to an entity or to exactly one object.", "one_scope")
    if scope_entity is not None and not _in_this_schema(scope_entity):
        raise _error("scope_entity", "The scope is outside the tenant.", "scope_outside_tenant")
    if scope_object is not None:
        meta = scope_object._meta
        tenant_model = meta.app_label in tenant_app_labels() and not (meta.model_name or "").startswith("historical")
        if not tenant_model or not _in_this_schema(scope_object):
            raise _error("scope_object", "The scope is outside the tenant.", "scope_outside_tenant")


def _period_check(*, valid_from: datetime, valid_until: datetime | None, now: datetime) -> None:
    if valid_until is None:
        return
    if valid_until <= valid_from:
        raise _error("valid_until", "An assignment cannot end before it starts.", "ends_before_start")
    if valid_until <= now:
        raise _error("valid_until", "This assignment would already be over.", "already_over")


@transaction.atomic
def assignment_create(
    *,
    role: Role,
    user: Any = None,
    team: Entity | None = None,
    api_key: ApiKey | None = None,
    scope_entity: Entity | None = None,
    scope_object: models.Model | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    reason: str = "",
    acting_user: Any,
) -> RoleAssignment:
    """Give a role to one principal within one scope. It starts at once (its grants are written)
    when `valid_from` has come, otherwise it is scheduled and the sweep starts it."""
    now = timezone.now()
    valid_from = valid_from or now
    if not _in_this_schema(role):
        raise _error("role", "Unknown role.", "invalid_role")
    _principal_check(user=user, team=team, api_key=api_key)
    _scope_check(scope_entity=scope_entity, scope_object=scope_object)
    _period_check(valid_from=valid_from, valid_until=valid_until, now=now)
    starts = valid_from <= now
    assignment = RoleAssignment(
        role=role, user=user, team=team, api_key=api_key, scope_entity=scope_entity,
        scope_content_type=(
            ContentType.objects.get_for_model(scope_object, for_concrete_model=True) if scope_object else None
        ),
        scope_object_id=str(scope_object.pk) if scope_object is not None else "",
        status=AssignmentStatus.ACTIVE if starts else AssignmentStatus.SCHEDULED,
        valid_from=valid_from, valid_until=valid_until, reason=reason.strip(),
        created_by=writes.history_user(acting_user),
        materialised_at=now if starts else None,
    )  # fmt: skip
    assignment.full_clean()
    assignment._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    assignment.save()
    if starts:
        assignments_materialise([assignment.pk])
    audit_record(
        action="access.assignment_created", acting_user=acting_user, tenant=connection_tenant(), target=assignment,
        after=writes.snapshot(assignment, ASSIGNMENT_AUDITED),
    )  # fmt: skip
    return assignment


@transaction.atomic
def assignment_revoke(*, assignment: RoleAssignment, acting_user: Any, reason: str) -> RoleAssignment:
    """End an assignment now; its access is removed (overlapping assignments keep theirs)."""
    if not reason or not reason.strip():
        raise _error("reason", "Say why this access ends.", "reason_required")
    assignment = RoleAssignment.objects.select_for_update(of=("self",)).select_related("role").get(pk=assignment.pk)
    if assignment.status in (AssignmentStatus.REVOKED, AssignmentStatus.EXPIRED):
        raise ValidationError(f"This assignment has already ended ({assignment.status}).", code="already_ended")
    before = writes.snapshot(assignment, ASSIGNMENT_AUDITED)
    assignment.status, assignment.ended_at = AssignmentStatus.REVOKED, timezone.now()
    assignment.ended_by, assignment.end_reason = writes.history_user(acting_user), reason.strip()[:255]
    assignment._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    assignment._change_reason = f"revoked: {reason.strip()}"[:100]  # type: ignore[attr-defined]
    assignment.save()
    assignments_dematerialise([assignment.pk])
    audit_record(
        action="access.assignment_revoked", acting_user=acting_user, tenant=connection_tenant(), target=assignment,
        before=before, after=writes.snapshot(assignment, ASSIGNMENT_AUDITED),
    )  # fmt: skip
    return assignment


def _assignment_move(assignment: RoleAssignment, *, status: str, now: datetime) -> None:
    before = writes.snapshot(assignment, ASSIGNMENT_AUDITED)
    assignment.status = status
    if status == AssignmentStatus.ACTIVE:
        assignment.materialised_at = now
        assignment._change_reason = "started"  # type: ignore[attr-defined]
    else:
        assignment.ended_at, assignment.end_reason = assignment.valid_until or now, "expired"
        assignment._change_reason = "expired"  # type: ignore[attr-defined]
    assignment._history_user = None  # type: ignore[attr-defined]
    assignment.save()
    action = "access.assignment_started" if status == AssignmentStatus.ACTIVE else "access.assignment_expired"
    audit_record(
        action=action, acting_user=None, tenant=connection_tenant(), target=assignment, before=before,
        after=writes.snapshot(assignment, ASSIGNMENT_AUDITED),
    )  # fmt: skip


def assignments_sweep(now: datetime | None = None) -> dict[str, int]:
    """In the current schema: start the scheduled assignments whose time has come and expire the
    ones past `valid_until`. One query when nothing is due; the grants change set-based."""
    now = now or timezone.now()
    due = Q(status=AssignmentStatus.SCHEDULED, valid_from__lte=now) | Q(
        status__in=[AssignmentStatus.SCHEDULED, AssignmentStatus.ACTIVE], valid_until__lte=now
    )
    if not RoleAssignment.objects.filter(due).exists():
        return {"started": 0, "expired": 0}
    with transaction.atomic():
        rows = RoleAssignment.objects.select_for_update(of=("self",), skip_locked=True).select_related("role")
        return _sweep(list(rows.filter(due).order_by("pk")), now=now)


def _sweep(due: list[RoleAssignment], *, now: datetime) -> dict[str, int]:
    expiring = [a for a in due if a.valid_until is not None and a.valid_until <= now]
    starting = [a for a in due if a not in expiring]
    ended = [a.pk for a in expiring if a.status == AssignmentStatus.ACTIVE]
    for assignment in starting:
        _assignment_move(assignment, status=AssignmentStatus.ACTIVE, now=now)
    for assignment in expiring:
        _assignment_move(assignment, status=AssignmentStatus.EXPIRED, now=now)
    if starting:
        assignments_materialise([a.pk for a in starting])
    if ended:
        assignments_dematerialise(ended)
    return {"started": len(starting), "expired": len(expiring)}
