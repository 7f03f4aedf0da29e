"""Materialisation: turning active role assignments into AccessGrant rows and guardian rows.

Everything here is set-based SQL in the current tenant schema: one INSERT ... SELECT writes the
grants of any number of assignments (and mirrors the people's grants into guardian's
`guardian_userobjectpermission`), and removal is one DELETE of guardian rows no remaining grant
needs, then one DELETE of the grants. No Python loop runs per object or per person.

What an active assignment covers (its principals x its role's effective permissions x objects):

- principals: the user; or every direct member of the team entity; or the API key.
- permissions on Entity, entity-scoped: every entity of the scope's subtree (`scope_only`: the
  scope entity alone).
- permissions on MemberProfile, entity-scoped: the people who belong to an entity of that subtree
  (`scope_only`: to the scope entity); with `own_records`: the person's own profile, whatever the
  scope (an API key has none).
- object-scoped assignments: the object, for the permissions on its model.
- permissions on other models, entity-scoped: nothing is materialised (`may_model` still sees them).

`Coverage` narrows a run to what changed: one new entity or a moved subtree (`entity_path`), one
person (`profile_id`), one team member (`user_id`). Writers of one schema's grants take a
transaction-scoped advisory lock, so two overlapping removals cannot both keep (or both drop) a
guardian row that one of them still needs.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from apps.organisation.models import Entity, EntityMembership, MemberProfile, path_ids

from .catalogue import permission_get
from .models import AssignmentStatus, PermissionCondition
from .roles import roles_effective_permissions


@dataclass(frozen=True)
class Coverage:
    """Which part of the assignments' coverage a run (re)computes; the default is all of it."""

    entity_path: str | None = None  # only entities in this subtree, and the people who belong to them
    profile_id: int | None = None  # only this person's profile
    user_id: Any = None  # only this person as a principal (a team member)
    exclude_membership_id: int | None = None  # a membership being removed

    @property
    def objects_narrowed(self) -> bool:
        return self.entity_path is not None or self.profile_id is not None


@dataclass(frozen=True)
class Assignments:
    """A set of assignments as SQL over `access_roleassignment` aliased `a`."""

    where: str
    params: tuple[Any, ...] = ()

    @classmethod
    def ids(cls, ids: list[int]) -> "Assignments":
        return cls("a.id = ANY(%s::bigint[])", (list(ids),))


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended('access.grants:' || current_schema(), 0))")


def _content_type_ids() -> tuple[int, int]:
    return ContentType.objects.get_for_model(Entity).pk, ContentType.objects.get_for_model(MemberProfile).pk


def _role_permission_rows() -> list[tuple[int, int, int, bool, bool]]:
    """(role, permission, content type, scope_only, own_records) for every role's effective permissions."""
    rows = []
    for role_id, permissions in roles_effective_permissions().items():
        for key, conditions in permissions.items():
            permission = permission_get(key)
            if permission is not None:  # a permission removed from the code since the role was saved
                scope_only = PermissionCondition.SCOPE_ONLY in conditions
                own = PermissionCondition.OWN_RECORDS in conditions
                rows.append((role_id, permission.permission_id, permission.content_type_id, scope_only, own))
    return rows


# The subtree of `s` as an index range on the text_pattern_ops path index: every path that starts
# with "/1/5/" sorts (bytewise) from "/1/5/" up to, not including, "/1/50" ('0' follows '/').
_IN_SCOPE = "e.path ~>=~ s.path AND e.path ~<~ (left(s.path, -1) || '0') AND (NOT rp.scope_only OR e.id = s.id)"
_PROFILES_IN_SUBTREE = """
    SELECT m2.profile_id FROM organisation_entitymembership m2
    JOIN organisation_entity e2 ON e2.id = m2.entity_id
    WHERE e2.path ~>=~ %s AND e2.path ~<~ %s {exclude}
"""


def _path_range(path: str) -> list[str]:
    return [path, path[:-1] + "0"]


def _insert_sql(assignments: Assignments, coverage: Coverage, values_sql: str) -> tuple[str, list[Any]]:
    entity_ct, profile_ct = _content_type_ids()
    params: list[Any] = []
    exclude = "AND m.id <> %s" if coverage.exclude_membership_id is not None else ""
    exclude_params = [coverage.exclude_membership_id] if exclude else []
    user_filter = "AND {col} = %s" if coverage.user_id is not None else ""
    user_params = [coverage.user_id] if user_filter else []

    principals = f"""
        SELECT a.id AS assignment_id, a.user_id, NULL::bigint AS api_key_id FROM a
        WHERE a.user_id IS NOT NULL {user_filter.format(col="a.user_id")}
        UNION ALL
        SELECT a.id, p.user_id, NULL::bigint FROM a
        JOIN organisation_entitymembership m ON m.entity_id = a.team_id
        JOIN organisation_memberprofile p ON p.id = m.profile_id
        WHERE TRUE {user_filter.format(col="p.user_id")} {exclude}
    """
    principal_params = [*user_params, *user_params, *exclude_params]
    if coverage.user_id is None:
        principals += "UNION ALL SELECT a.id, NULL::uuid, a.api_key_id FROM a WHERE a.api_key_id IS NOT NULL"

    entity_filter, entity_params = "", []
    profile_filter, profile_params = "", []
    if coverage.entity_path is not None:
        entity_filter, entity_params = "AND e.path ~>=~ %s AND e.path ~<~ %s", _path_range(coverage.entity_path)
        profile_filter = f"AND {{col}} IN ({_PROFILES_IN_SUBTREE.format(exclude=exclude.replace('m.', 'm2.'))})"
        profile_params = [*_path_range(coverage.entity_path), *exclude_params]
    elif coverage.profile_id is not None:
        profile_filter, profile_params = "AND {col} = %s", [coverage.profile_id]

    branches = [
        # Entity permissions over the scope's subtree (or the scope entity alone).
        f"""SELECT a.id, rp.permission_id, rp.content_type_id, e.id::text, pr.user_id, pr.api_key_id
        FROM a JOIN rp ON rp.role_id = a.role_id AND rp.content_type_id = {entity_ct:d} AND NOT rp.own_records
        JOIN pr ON pr.assignment_id = a.id
        JOIN organisation_entity s ON s.id = a.scope_entity_id
        JOIN organisation_entity e ON {_IN_SCOPE} {entity_filter}""",
        # People's profiles: those who belong to an entity of the scope's subtree.
        f"""SELECT DISTINCT a.id, rp.permission_id, rp.content_type_id, m.profile_id::text, pr.user_id, pr.api_key_id
        FROM a JOIN rp ON rp.role_id = a.role_id AND rp.content_type_id = {profile_ct:d} AND NOT rp.own_records
        JOIN pr ON pr.assignment_id = a.id
        JOIN organisation_entity s ON s.id = a.scope_entity_id
        JOIN organisation_entity e ON {_IN_SCOPE}
        JOIN organisation_entitymembership m ON m.entity_id = e.id {exclude}
        WHERE TRUE {profile_filter.format(col="m.profile_id")}""",
        # Own records: the person's own profile, whatever the scope.
        f"""SELECT a.id, rp.permission_id, rp.content_type_id, p.id::text, pr.user_id, NULL::bigint
        FROM a JOIN rp ON rp.role_id = a.role_id AND rp.own_records AND rp.content_type_id = {profile_ct:d}
        JOIN pr ON pr.assignment_id = a.id AND pr.user_id IS NOT NULL
        JOIN organisation_memberprofile p ON p.user_id = pr.user_id
        WHERE TRUE {profile_filter.format(col="p.id")}""",
    ]
    branch_params: list[Any] = [*entity_params, *exclude_params, *profile_params, *profile_params]
    if not coverage.objects_narrowed:
        # Object-scoped assignments: the object, for the permissions on its model.
        branches.append(
            """SELECT a.id, rp.permission_id, rp.content_type_id, a.scope_object_id, pr.user_id, pr.api_key_id
            FROM a JOIN rp ON rp.role_id = a.role_id AND rp.content_type_id = a.scope_content_type_id
                AND NOT rp.own_records
            JOIN pr ON pr.assignment_id = a.id"""
        )
    sql = f"""
        WITH rp (role_id, permission_id, content_type_id, scope_only, own_records) AS ({values_sql}),
        a AS MATERIALIZED (
            SELECT a.* FROM access_roleassignment a WHERE a.status = %s AND ({assignments.where})
        ),
        pr AS MATERIALIZED ({principals}),
        cov (assignment_id, permission_id, content_type_id, object_pk, user_id, api_key_id) AS (
            {" UNION ALL ".join(branches)}
        ),
        ins AS (
            INSERT INTO access_accessgrant (assignment_id, permission_id, content_type_id, object_pk, user_id, api_key_id)
            SELECT DISTINCT * FROM cov
            ON CONFLICT DO NOTHING
            RETURNING user_id, permission_id, content_type_id, object_pk
        ),
        mirrored AS (
            INSERT INTO guardian_userobjectpermission (user_id, permission_id, content_type_id, object_pk)
            SELECT DISTINCT user_id, permission_id, content_type_id, object_pk FROM ins WHERE user_id IS NOT NULL
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM mirrored)
    """  # noqa: E501
    params = [AssignmentStatus.ACTIVE, *assignments.params, *principal_params, *branch_params]
    return sql, params


@transaction.atomic
def grants_add(assignments: Assignments, coverage: Coverage | None = None) -> int:
    """Write the grants the active ones of `assignments` imply (within `coverage`); returns how many
    grants were new. Existing grants are kept (idempotent)."""
    rows = _role_permission_rows()
    if not rows:
        return 0
    _lock()
    values_sql = "VALUES " + ", ".join(["(%s::bigint, %s::integer, %s::integer, %s::boolean, %s::boolean)"] * len(rows))
    sql, params = _insert_sql(assignments, coverage or Coverage(), values_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row] + params)
        added, _mirrored = cursor.fetchone()
    return int(added)


def _grant_filter(alias: str, assignments: Assignments, coverage: Coverage) -> tuple[str, list[Any]]:
    """SQL matching the grants (aliased `alias`) of `assignments` within `coverage`."""
    entity_ct, profile_ct = _content_type_ids()
    sql = f"{alias}.assignment_id IN (SELECT a.id FROM access_roleassignment a WHERE {assignments.where})"
    params: list[Any] = list(assignments.params)
    if coverage.user_id is not None:
        sql += f" AND {alias}.user_id = %s"
        params.append(coverage.user_id)
    if coverage.entity_path is not None:
        sql += f""" AND (
            ({alias}.content_type_id = {entity_ct:d} AND {alias}.object_pk IN (
                SELECT e.id::text FROM organisation_entity e WHERE e.path ~>=~ %s AND e.path ~<~ %s))
            OR ({alias}.content_type_id = {profile_ct:d} AND {alias}.object_pk IN (
                SELECT m2.profile_id::text FROM organisation_entitymembership m2
                JOIN organisation_entity e2 ON e2.id = m2.entity_id WHERE e2.path ~>=~ %s AND e2.path ~<~ %s)))"""
        params += [*_path_range(coverage.entity_path), *_path_range(coverage.entity_path)]
    elif coverage.profile_id is not None:
        sql += f" AND {alias}.content_type_id = {profile_ct:d} AND {alias}.object_pk = %s"
        params.append(str(coverage.profile_id))
    return sql, params


@transaction.atomic
def grants_remove(assignments: Assignments, coverage: Coverage | None = None) -> int:
    """Delete the grants of `assignments` (within `coverage`), and the guardian rows that no
    remaining grant needs; returns how many grants were deleted."""
    coverage = coverage or Coverage()
    _lock()
    ours, ours_params = _grant_filter("g", assignments, coverage)
    theirs, theirs_params = _grant_filter("x", assignments, coverage)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            DELETE FROM guardian_userobjectpermission u
            USING access_accessgrant g
            WHERE {ours}
              AND g.user_id = u.user_id AND g.permission_id = u.permission_id AND g.object_pk = u.object_pk
              AND NOT EXISTS (
                SELECT 1 FROM access_accessgrant x
                WHERE x.user_id = u.user_id AND x.permission_id = u.permission_id AND x.object_pk = u.object_pk
                  AND NOT ({theirs}))
            """,
            ours_params + theirs_params,
        )
        cursor.execute(f"DELETE FROM access_accessgrant g WHERE {ours}", ours_params)
        return cursor.rowcount


@transaction.atomic
def grants_recompute(assignments: Assignments, coverage: Coverage | None = None) -> None:
    """Remove and write again (what changed: a role's permissions, a subtree's place, a person)."""
    grants_remove(assignments, coverage)
    grants_add(assignments, coverage)


# --- What changed -------------------------------------------------------------------------------


def assignments_materialise(ids: list[int]) -> int:
    return grants_add(Assignments.ids(ids))


def assignments_dematerialise(ids: list[int]) -> int:
    return grants_remove(Assignments.ids(ids))


def role_subtree_rematerialise(role_path: str) -> None:
    """A role's permissions or parent changed: its assignments and its descendants' get their grants again."""
    grants_recompute(
        Assignments(
            "a.role_id IN (SELECT r.id FROM access_role r WHERE r.path ~>=~ %s AND r.path ~<~ %s)",
            tuple(_path_range(role_path)),
        )
    )


def entity_coverage_add(entity: Entity) -> int:
    """A new entity: the subtree-scoped assignments of its ancestors cover it too."""
    if not entity.ancestor_ids:
        return 0  # the root: nothing can be scoped above it
    return grants_add(
        Assignments("a.scope_entity_id = ANY(%s::bigint[])", (entity.ancestor_ids,)), Coverage(entity_path=entity.path)
    )


def entity_coverage_move(entity: Entity, old_path: str) -> None:
    """A moved subtree leaves its old ancestors' scopes and enters its new ancestors'."""
    ancestors = sorted(set(path_ids(old_path)[:-1]) | set(entity.ancestor_ids))
    grants_recompute(
        Assignments("a.scope_entity_id = ANY(%s::bigint[])", (ancestors,)), Coverage(entity_path=entity.path)
    )


def profile_coverage_add(profile: MemberProfile) -> int:
    """A person got their profile: the own-records permissions of their assignments now find it."""
    return grants_add(Assignments("a.user_id = %s", (profile.user_id,)), Coverage(profile_id=profile.pk))


def membership_coverage_add(membership: EntityMembership) -> None:
    """A person joined an entity: its team assignments extend to them, and the people-scoped
    assignments over the entity now cover their profile."""
    user_id = MemberProfile.objects.values_list("user_id", flat=True).get(pk=membership.profile_id)
    entity_path = Entity.objects.values_list("path", flat=True).get(pk=membership.entity_id)
    grants_add(Assignments("a.team_id = %s", (membership.entity_id,)), Coverage(user_id=user_id))
    grants_add(
        Assignments("a.scope_entity_id = ANY(%s::bigint[])", (path_ids(entity_path),)),
        Coverage(profile_id=membership.profile_id),
    )


def membership_coverage_remove(membership: EntityMembership) -> None:
    """A person is leaving an entity (the membership still exists): the reverse of the above."""
    user_id = MemberProfile.objects.values_list("user_id", flat=True).get(pk=membership.profile_id)
    entity_path = Entity.objects.values_list("path", flat=True).get(pk=membership.entity_id)
    grants_remove(Assignments("a.team_id = %s", (membership.entity_id,)), Coverage(user_id=user_id))
    grants_recompute(
        Assignments("a.scope_entity_id = ANY(%s::bigint[])", (path_ids(entity_path),)),
        Coverage(profile_id=membership.profile_id, exclude_membership_id=membership.pk),
    )


@transaction.atomic
def object_grants_forget(model: type[Entity] | type[MemberProfile], object_pk: Any) -> None:
    """A deleted object: its grants and guardian rows can never be needed again."""
    content_type_id = ContentType.objects.get_for_model(model).pk
    _lock()
    with connection.cursor() as cursor:
        for table in ("guardian_userobjectpermission", "access_accessgrant"):
            cursor.execute(
                f"DELETE FROM {table} WHERE content_type_id = %s AND object_pk = %s", [content_type_id, str(object_pk)]
            )
