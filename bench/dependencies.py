"""Benchmark adding a finish-to-start link in a 10,000-task dependency graph, cycle check included.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/dependencies.py [--tasks 10000] [--links 500] [--drop]

It uses its own database (`nf_bench_dependencies` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated on the first run with the test settings. In it, one tenant
"bench-deps" gets, rebuilt in bulk on every run: `--tasks` open tasks in chains of 50, five chains
joined end to start into runs of 250, and fan-in (each joined chain's head also waits for the middle
of the chain before it), so a walk from an early task reaches a few hundred tasks through diamonds.

Then, timed: `--links` calls of `dependency_add` between random tasks, each its own transaction (the
advisory lock, the row locks, the recursive cycle query, the insert and the successor's blocked state
with its history row). Links that would close a cycle are refused with `dependency_cycle` and timed
too. Progress goes to stderr; the last line on stdout is one JSON object:
`{"tasks", "link_p95_ms", ...}` (goal: link_p95_ms <= 20).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_dependencies")
BENCH.ensure()

import django  # noqa: E402

django.setup()

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.tasks.dependencies import dependency_add  # noqa: E402
from apps.tasks.models import Task, TaskDependency  # noqa: E402
from apps.tenancy.models import Tenant  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402

SLUG = "bench-deps"
CHAIN, JOINED = 50, 5


def platform_ensure() -> Tenant:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    platform_tenant_ensure(domain="localhost")
    tenant_template_ensure()
    tenant = Tenant.objects.filter(slug=SLUG).first() or tenant_create(name="Bench Deps", slug=SLUG, acting_user=None)
    call_command("migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=0)
    log(f"Platform, template and tenant ready in {time.perf_counter() - started:.1f} s.")
    return tenant


def graph_build(tenant: Tenant, count: int) -> tuple[list[int], int]:
    """Remove the previous run's tasks, then bulk-create the tasks and the links of the graph."""
    with schema_context(tenant.schema_name), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE tasks_taskdependency, tasks_task, tasks_historicaltask CASCADE")
        tasks = Task.objects.bulk_create([Task(title=f"Task {i}") for i in range(count)], batch_size=5000)
        ids = [task.pk for task in tasks]
        links = []
        for start in range(0, count, CHAIN):
            chain = ids[start : start + CHAIN]
            links += list(itertools.pairwise(chain))
            if (start // CHAIN) % JOINED and start >= CHAIN:  # joined to the chain before: end and middle
                links += [(ids[start - 1], chain[0]), (ids[start - CHAIN // 2], chain[0])]
        TaskDependency.objects.bulk_create(
            [TaskDependency(predecessor_id=p, successor_id=s) for p, s in links], batch_size=5000
        )
        # The graph is built with its successors open, as the service would leave them after linking.
        Task.objects.filter(pk__in=[s for _, s in links]).update(status="blocked", blocked_reason="Blocked by: bench")
    with schema_context(tenant.schema_name), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tasks_task")
        cursor.execute("VACUUM ANALYZE tasks_taskdependency")  # as autovacuum would: index-only walks
    log(f"{len(ids)} tasks and {len(links)} links.")
    return ids, len(links)


def _pair(rng: random.Random, ids: list[int], spread: int) -> list[int]:
    """Two random tasks; with `spread`, within that many ids of each other (one project's tasks)."""
    if not spread:
        return rng.sample(ids, 2)
    first = rng.randrange(len(ids))
    second = min(len(ids) - 1, max(0, first + rng.choice([-1, 1]) * rng.randint(1, spread)))
    return [ids[first], ids[second if second != first else (first + 1) % len(ids)]]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2)


def measure(tenant: Tenant, ids: list[int], links: int, spread: int = 0) -> dict[str, Any]:
    rng, timings, added, cycles, other = random.Random(16), [], 0, 0, 0
    by_outcome: dict[str, list[float]] = {"added": [], "cycle": [], "other": []}
    with schema_context(tenant.schema_name):
        tasks = {task.pk: task for task in Task.objects.all()}
        for _ in range(links):
            predecessor, successor = (tasks[pk] for pk in _pair(rng, ids, spread))
            started = time.perf_counter()
            outcome = "added"
            try:
                dependency_add(predecessor=predecessor, successor=successor, acting_user=None)
                added += 1
            except ValidationError as refused:
                code = next(iter(refused.error_dict.values()))[0].code
                cycles, other = cycles + (code == "dependency_cycle"), other + (code != "dependency_cycle")
                outcome = "cycle" if code == "dependency_cycle" else "other"
            timings.append((time.perf_counter() - started) * 1000)
            by_outcome[outcome].append(timings[-1])
    timings.sort()
    return {
        **{f"{name}_p95_ms": _p95(values) for name, values in by_outcome.items() if values},
        "link_p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "link_p50_ms": round(statistics.median(timings), 2),
        "link_max_ms": round(timings[-1], 2),
        "attempts": len(timings),
        "added": added,
        "cycles_refused": cycles,
        "other_refused": other,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks in the graph (default 10,000)")
    parser.add_argument("--links", type=int, default=500, help="links to add, timed (default 500)")
    parser.add_argument("--spread", type=int, default=0, help="link tasks at most this many ids apart (0: any two)")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args(argv)
    tenant = platform_ensure()
    log("Building the graph ...")
    ids, edges = graph_build(tenant, args.tasks)
    log(f"Adding {args.links} links ...")
    result = measure(tenant, ids, args.links, args.spread)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(json.dumps({"tasks": len(ids), **result, "edges": edges, "spread": args.spread, "load_1m": load}))
    if args.drop:
        BENCH.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
