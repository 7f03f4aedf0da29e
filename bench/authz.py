"""Benchmark authorisation at size: permission checks, "what may U see" lists and subtree lookups.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/authz.py [--runs 200] [--rebuild] [--drop]

It uses its own database (`nf_bench_authz` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated on the first run with the test settings (their one-file dj-stripe
migration saves ~90 s). In it, one tenant "bench-authz" (its own schema, cloned from the template
by `tenant_create`) gets, in bulk:

* 10,000 entities in a balanced tree: the root, 10 groups, 100 departments, 1,000 teams and 8,889
  sub-teams (5 levels);
* 5,000 people (users, memberships, profiles), a fifth in teams and the rest in sub-teams;
* 50,000 active role assignments: a manager per group (subtree ~1,000 entities), a viewer per
  department (~100), 500 team assignments (viewer, to a team's members) and 49,390 member
  assignments on single sub-teams; materialised by one set-based `grants_add` over all of them.

Then, each `--runs` times (default 200), timed one by one, percentiles by nearest rank:

* check: `may(user, "organisation.view_entity", entity)`, half for a person and an entity they
  hold it on, half for a random person and entity, with a freshly loaded user (as in a request:
  the user, the membership lookup, then the grant lookup);
* list_allowed: the ids, codes and names of `allowed_entities(user, "organisation.view_entity")`
  for a group manager (~1,000 entities);
* subtree: the ids, codes and names of a group's subtree (`Entity.objects.subtree_of`, ~1,000).

The data is kept for the next run (a run that finds it complete only measures); `--rebuild`
makes it again and `--drop` drops the whole database at the end. The bench users are public rows
(emails `bench-authz-<n>@bench.invalid`) of that database only.

Progress goes to stderr; the last line on stdout is one JSON object:
`{"check_p95_ms", "list_allowed_p95_ms", "subtree_p95_ms", ...extra fields}`.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_authz")
BENCH_DATABASE = BENCH.name
database_ensure, database_drop = BENCH.ensure, BENCH.drop


database_ensure()

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context, schema_exists  # noqa: E402
from guardian.models import UserObjectPermission  # noqa: E402

from apps.access.catalogue import permission_catalogue  # noqa: E402
from apps.access.materialise import Assignments, grants_add  # noqa: E402
from apps.access.models import AccessGrant, Role, RoleAssignment  # noqa: E402
from apps.access.resolver import allowed_entities, may  # noqa: E402
from apps.access.services import default_roles_ensure  # noqa: E402
from apps.accounts.models import Membership, User  # noqa: E402
from apps.organisation.models import Entity, EntityMembership, EntityType, MemberProfile  # noqa: E402
from apps.organisation.services import entity_create  # noqa: E402
from apps.tenancy.models import Tenant  # noqa: E402
from apps.tenancy.provisioning import schema_matches_template  # noqa: E402
from apps.tenancy.schemas import schema_drop  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402

SLUG = "bench-authz"
FANOUT = [10, 10, 10]  # groups, departments per group, teams per department; then sub-teams to 10,000
N_ENTITIES, N_PEOPLE, N_ASSIGNMENTS, N_TEAM_ASSIGNMENTS = 10_000, 5_000, 50_000, 500
TYPES = ["group", "department", "team", "team"]
UNUSABLE = make_password(None)  # bench people never sign in


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def platform_ensure() -> None:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    platform_tenant_ensure(domain="localhost")
    tenant_template_ensure()
    log(f"Platform and template ready in {time.perf_counter() - started:.1f} s.")


def tenant_is_complete(tenant: Tenant | None) -> bool:
    if tenant is None or not schema_matches_template(schema=tenant.schema_name, template="tenant_template"):
        return False
    with schema_context(tenant.schema_name):
        return (
            Entity.objects.count() == N_ENTITIES
            and RoleAssignment.objects.count() == N_ASSIGNMENTS
            and AccessGrant.objects.exists()
        )


def tenant_remove(tenant: Tenant) -> None:
    if schema_exists(tenant.schema_name):
        schema_drop(tenant.schema_name)
    with connection.cursor() as cursor:
        for table in ("accounts_membership", "tenancy_domain"):
            cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("DELETE FROM tenancy_tenant WHERE id = %s", [tenant.pk])


# --- Building the data ------------------------------------------------------------------------------


def build_entities() -> list[list[Entity]]:
    """The tree, level by level in bulk (paths computed here as the database would)."""
    root = entity_create(
        name="Bench Authz", entity_type=EntityType.objects.get(code="enterprise"), parent=None, acting_user=None
    )
    types = {t.code: t for t in EntityType.objects.all()}
    levels, total = [[root]], 1
    for depth in range(4):
        parents, rows = levels[-1], []
        per_parent = FANOUT[depth] if depth < len(FANOUT) else None
        for index, parent in enumerate(parents):
            count = per_parent or (N_ENTITIES - total) // len(parents) + (
                1 if index < (N_ENTITIES - total) % len(parents) else 0
            )
            rows += [
                Entity(
                    name=f"{TYPES[depth].title()} {i}",
                    entity_type=types[TYPES[depth]],
                    parent=parent,
                    parent_path=parent.path,
                )
                for i in range(count)
            ]
        created = Entity.objects.bulk_create(rows, batch_size=2000)
        for entity in created:
            entity.path = f"{entity.parent_path}{entity.pk}/"
        levels.append(created)
        total += len(created)
    return levels


def build_people(levels: list[list[Entity]], tenant: Tenant) -> list[User]:
    emails = [f"bench-authz-{i}@bench.invalid" for i in range(N_PEOPLE)]
    existing = {u.email: u for u in User.objects.filter(email__in=emails)}
    missing = [
        User(email=e, full_name=f"Bench {e.split('@')[0]}", password=UNUSABLE) for e in emails if e not in existing
    ]
    User.objects.bulk_create(missing, batch_size=2000)
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    Membership.objects.bulk_create(
        [Membership(user=u, tenant=tenant) for u in users], batch_size=2000, ignore_conflicts=True
    )
    profiles = MemberProfile.objects.bulk_create([MemberProfile(user=u) for u in users], batch_size=2000)
    teams, subteams = levels[3], levels[4]
    homes = [teams[i % len(teams)] if i % 5 == 0 else subteams[(i * 7) % len(subteams)] for i in range(N_PEOPLE)]
    EntityMembership.objects.bulk_create(
        [EntityMembership(profile=p, entity=e, is_primary=True) for p, e in zip(profiles, homes, strict=True)],
        batch_size=2000,
    )
    return users


def build_assignments(levels: list[list[Entity]], users: list[User]) -> None:
    roles = {role.code: role for role in Role.objects.all()}
    now, rng = timezone.now(), random.Random(5)
    rows = [RoleAssignment(role=roles["manager"], user=users[i], scope_entity=g) for i, g in enumerate(levels[1])]
    rows += [RoleAssignment(role=roles["viewer"], user=users[10 + i], scope_entity=d) for i, d in enumerate(levels[2])]
    rows += [RoleAssignment(role=roles["viewer"], team=t, scope_entity=t) for t in levels[3][:N_TEAM_ASSIGNMENTS]]
    subteams = levels[4]
    rows += [
        RoleAssignment(role=roles["member"], user=rng.choice(users), scope_entity=rng.choice(subteams))
        for _ in range(N_ASSIGNMENTS - len(rows))
    ]
    for row in rows:
        row.status, row.valid_from, row.materialised_at, row.reason = "active", now, now, "bench"
    RoleAssignment.objects.bulk_create(rows, batch_size=5000)


def build(tenant_slug: str) -> tuple[Tenant, float]:
    started = time.perf_counter()
    tenant = tenant_create(name="Bench Authz", slug=tenant_slug, acting_user=None)
    with schema_context(tenant.schema_name), transaction.atomic():
        default_roles_ensure()
        levels = build_entities()
        log(f"  {sum(map(len, levels))} entities at {time.perf_counter() - started:.1f} s")
        users = build_people(levels, tenant)
        log(f"  {len(users)} people at {time.perf_counter() - started:.1f} s")
        build_assignments(levels, users)
        log(f"  {RoleAssignment.objects.count()} assignments at {time.perf_counter() - started:.1f} s")
        grants_add(Assignments("TRUE"))
        log(f"  grants materialised at {time.perf_counter() - started:.1f} s")
    with schema_context(tenant.schema_name), connection.cursor() as cursor:
        for table in ("organisation_entity", "access_accessgrant", "guardian_userobjectpermission"):
            cursor.execute(f"ANALYZE {table}")
    return tenant, time.perf_counter() - started


# --- Measuring ---------------------------------------------------------------------------------------


def _timed(runs: int, work: Any) -> tuple[list[float], Any]:
    work(0)  # warm: plans, the permission catalogue, content types
    times, result = [], None
    for i in range(runs):
        started = time.perf_counter()
        result = work(i)
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def measure(tenant: Tenant, runs: int) -> dict[str, Any]:
    with schema_context(tenant.schema_name):
        permission_catalogue()
        rng = random.Random(7)
        user_ids = list(Membership.objects.filter(tenant=tenant).values_list("user_id", flat=True))
        entity_ids = list(Entity.objects.values_list("pk", flat=True))
        held = list(  # half the checks ask about something the person holds, half about a random entity
            UserObjectPermission.objects.filter(
                permission_id=permission_catalogue()["organisation.view_entity"].permission_id
            )
            .order_by("?")
            .values_list("user_id", "object_pk")[: runs // 2 + 1]
        )
        asked = [(user_id, int(object_pk)) for user_id, object_pk in held]
        asked += [(rng.choice(user_ids), rng.choice(entity_ids)) for _ in range(runs - len(asked) + 1)]
        rng.shuffle(asked)
        entities = Entity.objects.in_bulk([entity_id for _, entity_id in asked])
        picks = [(user_id, entities[entity_id]) for user_id, entity_id in asked]
        outcomes: list[bool] = []

        def check(i: int) -> None:
            user_id, entity = picks[i % len(picks)]
            outcomes.append(may(User.objects.get(pk=user_id), "organisation.view_entity", entity))

        manager = RoleAssignment.objects.filter(role__code="manager").select_related("user", "scope_entity").first()
        assert manager is not None and manager.user is not None and manager.scope_entity is not None
        manager_user, group = manager.user, manager.scope_entity

        def list_allowed(_: int) -> int:
            return len(
                list(allowed_entities(manager_user, "organisation.view_entity").values_list("id", "code", "name"))
            )

        def subtree(_: int) -> int:
            return len(list(Entity.objects.subtree_of(group).values_list("id", "code", "name")))

        check_times, _ = _timed(runs, check)
        list_times, n_allowed = _timed(runs, list_allowed)
        subtree_times, n_subtree = _timed(runs, subtree)
        counts = {
            "n_entities": Entity.objects.count(), "n_people": MemberProfile.objects.count(),
            "n_assignments": RoleAssignment.objects.count(), "n_grants": AccessGrant.objects.count(),
            "n_guardian_rows": _count("guardian_userobjectpermission"),
        }  # fmt: skip
    return {
        "check_p95_ms": round(percentile(check_times, 95), 3),
        "list_allowed_p95_ms": round(percentile(list_times, 95), 3),
        "subtree_p95_ms": round(percentile(subtree_times, 95), 3),
        "check_p50_ms": round(percentile(check_times, 50), 3),
        "list_allowed_p50_ms": round(percentile(list_times, 50), 3),
        "subtree_p50_ms": round(percentile(subtree_times, 50), 3),
        "checks_allowed": sum(outcomes),
        "n_allowed": n_allowed,
        "n_subtree": n_subtree,
        "runs": runs,
        **counts,
    }


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return int(cursor.fetchone()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="timed runs of each measurement (default 200)")
    parser.add_argument("--rebuild", action="store_true", help="make the data again even if it is complete")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args(argv)
    platform_ensure()
    tenant = Tenant.objects.filter(slug=SLUG).first()
    build_s = None
    if args.rebuild or not tenant_is_complete(tenant):
        if tenant is not None:
            log("Removing the previous bench tenant ...")
            tenant_remove(tenant)
        log("Building the bench tenant ...")
        tenant, build_s = build(SLUG)
        log(f"Built in {build_s:.1f} s.")
    else:
        log("Reusing the complete bench tenant (--rebuild to make it again).")
    assert tenant is not None
    result = {**measure(tenant, args.runs), "build_s": round(build_s, 1) if build_s is not None else None}
    log("Summary: " + ", ".join(f"{key}={value}" for key, value in result.items()))
    if args.drop:
        connection.close()
        database_drop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
