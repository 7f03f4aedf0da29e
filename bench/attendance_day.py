"""Benchmark one day's attendance records for 10,000 rostered people at 50 sites.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/attendance_day.py [--people 10000] [--drop]

It uses its own database (`nf_bench_attendance` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated on the first run with the test settings. In it, one tenant
"bench-att" gets 50 sites (time zones Australia/Sydney and Australia/Perth), 10,000 people (users,
memberships), and, rebuilt in bulk on every run for one day: a published shift each (09:00-17:30
local with a 30-minute unpaid break, 5 minutes' grace) and punches: ~80 % on time (in and out), ~8 %
late, ~4 % leaving early, ~3 % with a break, ~5 % absent (no punches).

Then, timed: `records_compute(day)` from nothing (10,000 records created), and again (a rerun must
change nothing). Progress goes to stderr; the last line on stdout is one JSON object:
`{"people", "seconds", "rerun_changed", ...}` (goal: seconds <= 60, rerun_changed 0).
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
import time
import uuid
import zoneinfo
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_attendance")
BENCH.ensure()

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.accounts.models import Membership, User  # noqa: E402
from apps.attendance.models import AttendanceRecord  # noqa: E402
from apps.attendance.services import records_compute  # noqa: E402
from apps.rosters.models import Roster, Shift  # noqa: E402
from apps.tenancy.models import Tenant  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402
from apps.timeclock.models import Punch  # noqa: E402
from apps.workplaces.models import Workplace  # noqa: E402

SLUG, N_SITES = "bench-att", 50
DAY = datetime.date(2026, 12, 7)
ZONES = ("Australia/Sydney", "Australia/Perth")
UNUSABLE = make_password(None)


def platform_ensure() -> Tenant:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    platform_tenant_ensure(domain="localhost")
    tenant_template_ensure()
    tenant = Tenant.objects.filter(slug=SLUG).first() or tenant_create(name="Bench Att", slug=SLUG, acting_user=None)
    call_command("migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=0)
    log(f"Platform, template and tenant ready in {time.perf_counter() - started:.1f} s.")
    return tenant


def sites_ensure() -> list[Workplace]:
    region = Workplace.objects.get_or_create(code="B-REGION", defaults={"kind": "region", "name": "Region"})[0]
    area = Workplace.objects.get_or_create(code="B-AREA", defaults={"kind": "area", "name": "Area", "parent": region})[
        0
    ]
    for i in range(N_SITES):
        Workplace.objects.get_or_create(code=f"B-SITE-{i:02d}", defaults={
            "kind": "site", "name": f"Site {i}", "parent": area, "time_zone": ZONES[i % 2]})  # fmt: skip
    return list(Workplace.objects.filter(kind="site", code__startswith="B-SITE-").order_by("code"))


def people_ensure(tenant: Tenant, count: int) -> list[User]:
    emails = [f"bench-att-{i}@bench.invalid" for i in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create([User(email=e, full_name=e.split("@")[0], password=UNUSABLE) for e in emails
                              if e not in existing], batch_size=2000)  # fmt: skip
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    Membership.objects.bulk_create([Membership(user=u, tenant=tenant) for u in users], ignore_conflicts=True)
    return users


def _punch(user: User, kind: str, at: datetime.datetime, site: Workplace) -> Punch:
    return Punch(client_id=uuid.uuid4(), user=user, kind=kind, at=at, device_at=at, received_at=at, workplace=site,
                 verdict="inside", source="mobile")  # fmt: skip


def _day_punches(rng: random.Random, user: User, site: Workplace, start: datetime.datetime) -> list[Punch]:
    """One person's punches: mostly on time, some late, early, with a break, or absent."""
    roll, end = rng.random(), start + datetime.timedelta(hours=8, minutes=30)
    if roll < 0.05:
        return []
    arrive = start + datetime.timedelta(minutes=rng.randint(-12, 4))
    leave = end + datetime.timedelta(minutes=rng.randint(0, 20))
    if roll < 0.13:
        arrive = start + datetime.timedelta(minutes=rng.randint(8, 60))
    elif roll < 0.17:
        leave = end - datetime.timedelta(minutes=rng.randint(30, 120))
    punches = [_punch(user, "in", arrive, site)]
    if 0.17 <= roll < 0.20:
        lunch = start + datetime.timedelta(hours=4)
        back = lunch + datetime.timedelta(minutes=rng.randint(25, 50))
        punches += [_punch(user, "break_start", lunch, site), _punch(user, "break_end", back, site)]
    return [*punches, _punch(user, "out", leave, site)]


def day_build(tenant: Tenant, people: int) -> float:
    """Remove the previous run's shifts, punches and records, then bulk-create the day."""
    started, rng = time.perf_counter(), random.Random(15)
    with schema_context(tenant.schema_name), transaction.atomic():
        sites = sites_ensure()
        users = people_ensure(tenant, people)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE attendance_attendancerecord, timeclock_punch, rosters_shift CASCADE")
        rosters = {site.pk: Roster.objects.get_or_create(workplace=site, name="Bench", defaults={
            "start_date": DAY, "end_date": DAY, "status": "published", "published_at": timezone.now()})[0]
            for site in sites}  # fmt: skip
        shifts, punches = [], []
        for i, user in enumerate(users):
            site = sites[i % N_SITES]
            start = datetime.datetime.combine(DAY, datetime.time(9), zoneinfo.ZoneInfo(site.time_zone))
            shifts.append(Shift(roster=rosters[site.pk], user=user, workplace=site, local_date=DAY, starts_at=start,
                                ends_at=start + datetime.timedelta(hours=8, minutes=30), unpaid_break_minutes=30,
                                late_grace_minutes=5, status="published"))  # fmt: skip
            punches += _day_punches(rng, user, site, start)
        Shift.objects.bulk_create(shifts, batch_size=2000)
        Punch.objects.bulk_create(punches, batch_size=5000)
        log(f"{len(shifts)} shifts and {len(punches)} punches at {len(sites)} sites.")
    with schema_context(tenant.schema_name), connection.cursor() as cursor:
        for table in ("rosters_shift", "timeclock_punch", "attendance_attendancerecord"):
            cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


def measure(tenant: Tenant) -> dict[str, Any]:
    now = datetime.datetime.combine(DAY + datetime.timedelta(days=2), datetime.time(9), datetime.UTC)
    with schema_context(tenant.schema_name):
        started = time.perf_counter()
        first = records_compute(DAY, now=now)
        seconds = time.perf_counter() - started
        log(f"First computation: {first} in {seconds:.2f} s.")
        started = time.perf_counter()
        rerun = records_compute(DAY, now=now)
        rerun_seconds = time.perf_counter() - started
        log(f"Rerun: {rerun} in {rerun_seconds:.2f} s.")
        statuses: dict[str, int] = {}
        for status in AttendanceRecord.objects.filter(date=DAY).values_list("status", flat=True):
            statuses[status] = statuses.get(status, 0) + 1
    return {
        "people": first["created"] + first["changed"] + first["unchanged"], "seconds": round(seconds, 2),
        "rerun_changed": rerun["created"] + rerun["changed"], "rerun_seconds": round(rerun_seconds, 2),
        "statuses": dict(sorted(statuses.items())),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000, help="rostered people (default 10,000)")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args(argv)
    tenant = platform_ensure()
    log("Building the day ...")
    build_s = day_build(tenant, args.people)
    log(f"Built in {build_s:.1f} s.")
    result = {**measure(tenant), "build_s": round(build_s, 1)}
    log("Summary: " + ", ".join(f"{key}={value}" for key, value in result.items()))
    if args.drop:
        connection.close()
        BENCH.drop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
