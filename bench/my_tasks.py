"""Benchmark "my tasks today" through the tenant API with 1,000,000 tasks in the tenant.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/my_tasks.py [--tasks 1000000] [--people 2000] [--requests 1000] [--drop]

It uses its own database (`nf_bench_my_tasks` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated on the first run with the test settings. In it, one tenant
"bench-tasks" on a plan with Tasks gets 50 sites (Australia/Sydney and Australia/Perth, each with a
geofence), 2,000 people with access (a bearer token each), a role "Store lead" held by every tenth
person at one store, and 1,000,000 tasks written by one INSERT ... SELECT over
generate_series (not the ORM): due over a year around today, past ones mostly done, ~5 % offered to
the role (claimable), each with a site. The tasks are rebuilt only when their count differs.

Then, timed: `GET /api/v1/tasks/me/today/?lat=&lng=` (Django's test client, bearer tokens, the real
middleware and authentication) for `--requests` people in turn, after a warm-up; the query count of
every call is recorded. Progress goes to stderr; the last line on stdout is one JSON object:
`{"tasks", "p95_ms", "queries"}` (goal: p95 <= 50 ms; `queries` is the same for every call).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_my_tasks")
BENCH.ensure()

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.access.models import Role, RoleAssignment  # noqa: E402
from apps.accounts.models import Membership, User  # noqa: E402
from apps.organisation.models import MemberProfile  # noqa: E402
from apps.solutions.models import SolutionAccess  # noqa: E402
from apps.tasks.models import Task  # noqa: E402
from apps.tenancy.models import Plan, Tenant  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402
from apps.tokens.access_tokens import access_token_issue  # noqa: E402
from apps.tokens.models import RefreshTokenFamily  # noqa: E402
from apps.workplaces.models import Workplace  # noqa: E402
from apps.workplaces.services import geofence_set, workplace_create  # noqa: E402

SLUG, HOST, N_SITES = "bench-tasks", "bench-tasks.localhost", 50
ZONES = ("Australia/Sydney", "Australia/Perth")
CENTRE = (-33.8731, 151.2065)
UNUSABLE = make_password(None)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def platform_ensure() -> Tenant:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("loaddata", str(REPO_ROOT / "fixtures" / "catalogue.json"), verbosity=0)
    platform_tenant_ensure(domain="localhost")
    tenant_template_ensure()
    tenant = Tenant.objects.filter(slug=SLUG).first() or tenant_create(
        name="Bench Tasks", slug=SLUG, acting_user=None, domain=HOST
    )
    plan, _ = Plan.objects.get_or_create(name="bench-tasks", defaults={
        "display_name": "Bench (Tasks)", "features": {"solutions": ["tasks"]}})  # fmt: skip
    Tenant.objects.filter(pk=tenant.pk).update(plan=plan, status=Tenant.Status.ACTIVE, api_calls_per_day=10_000_000)
    tenant.refresh_from_db()
    call_command("migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=0)
    log(f"Platform, template and tenant ready in {time.perf_counter() - started:.1f} s.")
    return tenant


def sites_ensure() -> list[Workplace]:
    region = Workplace.objects.filter(code="BT-R").first() or workplace_create(
        kind="region", code="BT-R", name="Region", acting_user=None)  # fmt: skip
    area = Workplace.objects.filter(code="BT-A").first() or workplace_create(
        kind="area", code="BT-A", name="Area", parent=region, acting_user=None)  # fmt: skip
    for i in range(N_SITES):
        code = f"BT-SITE-{i:02d}"
        if not Workplace.objects.filter(code=code).exists():
            site = workplace_create(kind="site", code=code, name=f"Store {i}", parent=area, acting_user=None,
                                    time_zone=ZONES[i % 2])  # fmt: skip
            geofence_set(site=site, shape="circle", center_lat=CENTRE[0] + i * 0.01, center_lng=CENTRE[1],
                         radius_m=150, acting_user=None)  # fmt: skip
    return list(Workplace.objects.filter(kind="site", code__startswith="BT-SITE-").order_by("code"))


def people_ensure(tenant: Tenant, count: int) -> list[User]:
    emails = [f"bench-tasks-{i}@bench.invalid" for i in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create([User(email=e, full_name=e.split("@")[0], password=UNUSABLE) for e in emails
                              if e not in existing], batch_size=2000)  # fmt: skip
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    Membership.objects.bulk_create([Membership(user=u, tenant=tenant) for u in users], ignore_conflicts=True)
    with schema_context(tenant.schema_name):
        MemberProfile.objects.bulk_create([MemberProfile(user=u) for u in users], ignore_conflicts=True)
        granted = set(SolutionAccess.objects.active().filter(solution_code="tasks").values_list("user_id", flat=True))
        SolutionAccess.objects.bulk_create([SolutionAccess(solution_code="tasks", user=u, reason="bench")
                                            for u in users if u.pk not in granted], batch_size=2000)  # fmt: skip
    return users


def role_ensure(users: list[User], sites: list[Workplace]) -> Role:
    """Every tenth person holds the role at one store (an assignment scoped to the workplace)."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    role = Role.objects.filter(code="bench-lead").first() or Role.objects.create(code="bench-lead", name="Store lead")
    if not RoleAssignment.objects.filter(role=role).exists():
        kind = ContentType.objects.get_for_model(Workplace)
        RoleAssignment.objects.bulk_create([
            RoleAssignment(role=role, user=u, scope_content_type=kind, scope_object_id=str(sites[i % len(sites)].pk),
                           status="active", valid_from=timezone.now())
            for i, u in enumerate(users[::10])
        ])  # fmt: skip
    return role


INSERT = """
INSERT INTO tasks_task (title, description, priority, status, workplace_id, due_at, assignee_kind, assignee_id,
    role_id, required_evidence, origin_kind, origin_id, blocked_reason, created_at, updated_at, completed_at,
    completion_note, check_in_verdict)
SELECT 'Bench task ' || g, '', 'normal',
       CASE WHEN due < now() - interval '1 day' AND g %% 10 <> 0 THEN 'done' ELSE 'todo' END,
       (%(sites)s::bigint[])[1 + g %% %(n_sites)s], due,
       CASE WHEN g %% 20 = 0 THEN 'role' ELSE 'person' END,
       CASE WHEN g %% 20 = 0 THEN NULL ELSE (%(users)s::uuid[])[1 + (g / 7) %% %(n_users)s] END,
       CASE WHEN g %% 20 = 0 THEN %(role)s ELSE NULL END,
       '{}', '', '', '', now(), now(),
       CASE WHEN due < now() - interval '1 day' AND g %% 10 <> 0 THEN due ELSE NULL END, '', ''
FROM (SELECT g, now() - interval '182 days' + (g %% 525600) * interval '1 minute' * 0.7 AS due
      FROM generate_series(1, %(count)s) AS g) AS rows
"""


def tasks_build(tenant: Tenant, count: int, users: list[User], sites: list[Workplace], role: Role) -> None:
    with schema_context(tenant.schema_name):
        if Task.objects.count() == count:
            log(f"{count} tasks already there.")
            return
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE tasks_task CASCADE")
            params = {"sites": [s.pk for s in sites], "n_sites": len(sites), "count": count,
                      "users": [str(u.pk) for u in users], "n_users": len(users), "role": role.pk}  # fmt: skip
            cursor.execute(INSERT, params)
            cursor.execute("ANALYZE tasks_task")
        log(f"{count} tasks inserted in {time.perf_counter() - started:.1f} s.")


def tokens_issue(tenant: Tenant, users: list[User]) -> list[str]:
    RefreshTokenFamily.objects.filter(tenant=tenant, device_name="bench").delete()
    families = RefreshTokenFamily.objects.bulk_create([
        RefreshTokenFamily(user=u, tenant=tenant, device_name="bench", refresh_token_version=u.refresh_token_version)
        for u in users
    ], batch_size=2000)  # fmt: skip
    return [access_token_issue(user=u, tenant=tenant, family=f)[0] for u, f in zip(users, families, strict=True)]


def measure(tokens: list[str], requests: int) -> tuple[list[float], set[int], int]:
    client = Client(HTTP_HOST=HOST)
    url = f"/api/v1/tasks/me/today/?lat={CENTRE[0]}&lng={CENTRE[1]}"
    for token in tokens[:20]:  # warm-up: caches, plans, connections
        client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    timings, queries, rows = [], set(), 0
    for i in range(requests):
        token = tokens[i % len(tokens)]
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            answer = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
            timings.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{answer.status_code}: {answer.content[:300]!r}")
        rows += len(answer.json()["results"])
        queries.add(len(captured))
    return timings, queries, rows


def explain(tenant: Tenant, user: User) -> None:
    from apps.tasks.selectors import my_today

    with schema_context(tenant.schema_name):
        log(my_today(user=user, lat=CENTRE[0], lng=CENTRE[1]).order_by("near_rank", "id")[:51].explain(analyze=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--drop", action="store_true", help="Drop the benchmark database afterwards.")
    args = parser.parse_args()
    tenant = platform_ensure()
    users = people_ensure(tenant, args.people)
    with schema_context(tenant.schema_name):
        sites = sites_ensure()
        role = role_ensure(users, sites)
    tasks_build(tenant, args.tasks, users, sites, role)
    tokens = tokens_issue(tenant, users)
    if args.explain:
        explain(tenant, users[0])
    log(f"Timing {args.requests} calls of me/today ...")
    timings, queries, rows = measure(tokens, args.requests)
    log(f"median {percentile(timings, 50):.1f} ms, p95 {percentile(timings, 95):.1f} ms, "
        f"{rows / len(timings):.1f} rows a call, queries per call {sorted(queries)}")  # fmt: skip
    if args.drop:
        connection.close()
        BENCH.drop()
    print(json.dumps({"tasks": args.tasks, "p95_ms": round(percentile(timings, 95), 1),
                      "queries": max(queries) if len(queries) == 1 else sorted(queries)}))  # fmt: skip


if __name__ == "__main__":
    main()
