"""Benchmark routines' generation: 10,000 recurring sets write their next 14 days of occurrences.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/recurrence.py [--sets 10000] [--byday MO] [--drop]

It uses its own database (`nf_bench_recurrence` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated on the first run with the test settings. In it, one tenant
"bench-rec" gets 50 sites (Australia/Sydney, Australia/Perth, Europe/London) and, rebuilt in bulk on
every run, `--sets` routines (weekly on `--byday` at 09:00 local, a year of them, 14 days ahead), each
with two linked members: "Shelf check" from a template with two checklist items, then "Photo report"
with one item of its own.

Timed: `routines_generate(now)` from nothing (every occurrence, task with its history row, checklist
item, occurrence link and dependency written), then again with the same `now` (it must write nothing).
Progress goes to stderr; the last line on stdout is one JSON object
`{"sets", "occurrences", "seconds", "rerun_created", ...}` (goal: seconds <= 30, rerun_created 0).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_recurrence")
BENCH.ensure()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.routines.generation import routines_generate  # noqa: E402
from apps.routines.models import Routine, RoutineLink, RoutineTask  # noqa: E402
from apps.tasks.models import TaskTemplate, TemplateChecklistItem  # noqa: E402
from apps.tenancy.models import Tenant  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402
from apps.workplaces.models import Workplace  # noqa: E402

SLUG, N_SITES = "bench-rec", 50
ZONES = ("Australia/Sydney", "Australia/Perth", "Europe/London")
NOW = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=datetime.UTC)
START = datetime.date(2026, 11, 30)
TABLES = ("routines_occurrencetask", "routines_occurrence", "routines_routinelink", "routines_routinetask",
          "routines_historicalroutinetask", "routines_routine", "routines_historicalroutine", "tasks_taskdependency",
          "tasks_checklistitem", "tasks_historicalchecklistitem", "tasks_task", "tasks_historicaltask")  # fmt: skip


def platform_ensure() -> Tenant:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    platform_tenant_ensure(domain="localhost")
    tenant_template_ensure()
    tenant = Tenant.objects.filter(slug=SLUG).first() or tenant_create(name="Bench Rec", slug=SLUG, acting_user=None)
    call_command("migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=0)
    log(f"Platform, template and tenant ready in {time.perf_counter() - started:.1f} s.")
    return tenant


def sites_ensure() -> list[Workplace]:
    region = Workplace.objects.get_or_create(code="B-REGION", defaults={"kind": "region", "name": "Region"})[0]
    area = Workplace.objects.get_or_create(code="B-AREA", defaults={"kind": "area", "name": "Area", "parent": region})
    for i in range(N_SITES):
        Workplace.objects.get_or_create(code=f"B-SITE-{i:02d}", defaults={
            "kind": "site", "name": f"Site {i}", "parent": area[0], "time_zone": ZONES[i % 3]})  # fmt: skip
    return list(Workplace.objects.filter(kind="site", code__startswith="B-SITE-").order_by("code"))


def sets_build(count: int, byday: str) -> float:
    """Empty the routines and tasks tables, then bulk-create `count` routines with two linked members."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE")
    sites = sites_ensure()
    template = TaskTemplate.objects.filter(code="B-CHECK").first()
    if template is None:
        template = TaskTemplate.objects.create(code="B-CHECK", name="Shelf check", required_evidence=["photo"])
        TemplateChecklistItem.objects.bulk_create([
            TemplateChecklistItem(template=template, position=1, text="Facings", is_required=True),
            TemplateChecklistItem(template=template, position=2, text="Out of stock", is_required=False),
        ])  # fmt: skip
    routines = Routine.objects.bulk_create(
        [Routine(name=f"Visit {i}", workplace=sites[i % len(sites)], rrule=f"FREQ=WEEKLY;BYDAY={byday};COUNT=52",
                 start_date=START, start_time=datetime.time(9)) for i in range(count)],
        batch_size=5000,
    )  # fmt: skip
    members = RoutineTask.objects.bulk_create(
        [m for r in routines for m in (
            RoutineTask(routine=r, position=1, template=template, title="Shelf check"),
            RoutineTask(routine=r, position=2, title="Photo report", offset_minutes=60, due_minutes=30,
                        checklist=[["Main aisle", True]]),
        )],
        batch_size=5000,
    )  # fmt: skip
    RoutineLink.objects.bulk_create(
        [RoutineLink(routine_id=members[i].routine_id, predecessor=members[i], successor=members[i + 1])
         for i in range(0, len(members), 2)],
        batch_size=5000,
    )  # fmt: skip
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sets", type=int, default=10_000, help="routines (default 10,000)")
    parser.add_argument("--byday", default="MO", help="RRULE BYDAY of every routine (default MO: weekly)")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args(argv)
    tenant = platform_ensure()
    with schema_context(tenant.schema_name):
        log(f"Building {args.sets} routines ...")
        build_s = sets_build(args.sets, args.byday)
        log(f"Built in {build_s:.1f} s. Generating the next 14 days ...")
        started = time.perf_counter()
        occurrences, tasks = routines_generate(now=NOW)
        seconds = time.perf_counter() - started
        log(f"{occurrences} occurrences, {tasks} tasks in {seconds:.1f} s. Again ...")
        started = time.perf_counter()
        rerun_occurrences, rerun_tasks = routines_generate(now=NOW)
        rerun_seconds = time.perf_counter() - started
    result = {
        "sets": args.sets, "occurrences": occurrences, "seconds": round(seconds, 2),
        "rerun_created": rerun_occurrences + rerun_tasks, "tasks": tasks, "rerun_seconds": round(rerun_seconds, 2),
        "build_s": round(build_s, 1),
    }  # fmt: skip
    log("Summary: " + ", ".join(f"{key}={value}" for key, value in result.items()))
    if args.drop:
        connection.close()
        BENCH.drop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
