"""Benchmark leave at size: a balance over five years of ledger, and the team calendar of 500 people.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/leave_balance.py [--runs 200] [--calendar-runs 50] [--rebuild] [--drop]

It uses its own database (`nf_bench_leave` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated on the first run with the test settings. In it, one tenant
"bench-leave" gets 2,000 people (users, memberships, profiles) and, in bulk (kept between runs;
`--rebuild` makes them again):

* five years of ledger each for one leave type: 60 monthly accruals, the takes of ~8 requests a year,
  a few adjustments, the year-end carry-over rows (about 115 rows a person, ~230,000 rows); one
  "focus" person has about 500 rows (a take every week or so);
* five years of leave requests each (~8 a year, 1 to 10 days, none overlapping; ~80,000 requests),
  approved, with their per-day working minutes.

Then, timed one by one, percentiles by nearest rank:

* balance: `ledger_sum(user, type)` (the SUM over the person's ledger, an index-only scan) for the focus
  person and random people, `--runs` times; the projection `balance_on(...)` a year ahead is reported too;
* calendar: `team_calendar(...)` for 500 people (a random team) and one month, `--calendar-runs` times.

Progress goes to stderr; the last line on stdout is one JSON object:
`{"balance_p95_ms", "calendar_p95_ms", ...extra fields}` (goals: 10 ms and 100 ms).
"""

from __future__ import annotations

import argparse
import datetime
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

BENCH = BenchDatabase("nf_bench_leave")
BENCH.ensure()

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.accounts.models import Membership, User  # noqa: E402
from apps.leave.models import LeaveLedgerEntry, LeavePolicy, LeavePolicyAssignment, LeaveRequest, LeaveType  # noqa: E402
from apps.leave.selectors import balance_on, ledger_sum, team_calendar  # noqa: E402
from apps.organisation.models import MemberProfile  # noqa: E402
from apps.tenancy.models import Tenant  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402

SLUG = "bench-leave"
PEOPLE, YEARS, TEAM = 2_000, 5, 500
FIRST_YEAR = 2021
DAY = 456
UNUSABLE = make_password(None)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def platform_ensure() -> Tenant:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    platform_tenant_ensure(domain="localhost")
    tenant_template_ensure()
    tenant = Tenant.objects.filter(slug=SLUG).first() or tenant_create(name="Bench Leave", slug=SLUG, acting_user=None)
    log(f"Platform, template and tenant ready in {time.perf_counter() - started:.1f} s.")
    return tenant


def people_ensure(tenant: Tenant) -> list[User]:
    emails = [f"bench-leave-{i}@bench.invalid" for i in range(PEOPLE)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create([User(email=e, full_name=e.split("@")[0], password=UNUSABLE) for e in emails
                              if e not in existing], batch_size=2000)  # fmt: skip
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    Membership.objects.bulk_create([Membership(user=u, tenant=tenant) for u in users], ignore_conflicts=True)
    MemberProfile.objects.bulk_create([MemberProfile(user=u) for u in users], ignore_conflicts=True)
    return users


def _workdays(start: datetime.date, days: int) -> dict[str, int]:
    found = {}
    for n in range(days):
        day = start + datetime.timedelta(days=n)
        if day.weekday() < 5:
            found[day.isoformat()] = DAY
    return found


def data_build(tenant: Tenant, users: list[User], rebuild: bool) -> tuple[LeaveType, float]:
    started, rng = time.perf_counter(), random.Random(11)
    with schema_context(tenant.schema_name), transaction.atomic():
        leave_type = LeaveType.objects.filter(code="ANNUAL").first() or LeaveType.objects.create(
            code="ANNUAL", name="Annual leave"
        )
        policy = LeavePolicy.objects.filter(name="Annual").first() or LeavePolicy.objects.create(
            name="Annual", leave_type=leave_type, accrual="monthly", minutes_per_year=20 * DAY,
            carry_over_cap_minutes=10 * DAY,
        )  # fmt: skip
        if not LeavePolicyAssignment.objects.filter(policy=policy).exists():
            LeavePolicyAssignment.objects.bulk_create([
                LeavePolicyAssignment(policy=policy, user=u, starts_on=datetime.date(FIRST_YEAR, 1, 1)) for u in users
            ])  # fmt: skip
        if LeaveLedgerEntry.objects.count() > 200_000 and not rebuild:
            log("Ledger and requests kept from an earlier run (--rebuild to make them again).")
            return leave_type, time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE leave_leaveledgerentry, leave_leaverequest, leave_historicalleaverequest")
        requests: list[LeaveRequest] = []
        entries: list[LeaveLedgerEntry] = []
        for index, user in enumerate(users):
            focus = index == 0
            for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
                for month in range(1, 13):
                    end = (datetime.date(year, month, 28) + datetime.timedelta(days=4)).replace(day=1)
                    entries.append(
                        LeaveLedgerEntry(
                            user=user,
                            leave_type=leave_type,
                            kind="accrual",
                            minutes=760,
                            effective_on=end - datetime.timedelta(days=1),
                            idempotency_key=f"accrual:{user.pk}:{year}-{month:02d}",
                        )
                    )
                day = datetime.date(year, 1, 5) + datetime.timedelta(days=rng.randint(0, 20))
                count = 90 if focus else 8
                for _ in range(count):
                    length = 1 if focus else rng.randint(1, 10)
                    worked = _workdays(day, length)
                    if worked:
                        requests.append(LeaveRequest(
                            user=user, leave_type=leave_type, start_date=day,
                            end_date=day + datetime.timedelta(days=length - 1),
                            effective_end=day + datetime.timedelta(days=length - 1), status="approved",
                            minutes=sum(worked.values()), day_minutes=worked, reason="bench",
                        ))  # fmt: skip
                    day += datetime.timedelta(days=length + (rng.randint(1, 3) if focus else rng.randint(3, 40)))
                    if day.year != year:
                        break
                entries.append(LeaveLedgerEntry(user=user, leave_type=leave_type, kind="adjustment", minutes=60,
                                                effective_on=datetime.date(year, 6, 30), note="bench correction",
                                                idempotency_key=f"adjust:{user.pk}:{year}"))  # fmt: skip
                entries.append(LeaveLedgerEntry(user=user, leave_type=leave_type, kind="carry_over", minutes=-5 * DAY,
                                                effective_on=datetime.date(year, 12, 31), note="bench close",
                                                idempotency_key=f"carry:{user.pk}:{year}:out"))  # fmt: skip
            if len(requests) > 20_000:
                _flush(requests, entries)
            if index % 200 == 0:
                log(f"  people {index}/{len(users)} ...")
        _flush(requests, entries)
    with schema_context(tenant.schema_name), connection.cursor() as cursor:
        cursor.execute("ANALYZE leave_leaveledgerentry")
        cursor.execute("ANALYZE leave_leaverequest")
    return leave_type, time.perf_counter() - started


def _flush(requests: list[LeaveRequest], entries: list[LeaveLedgerEntry]) -> None:
    made = LeaveRequest.objects.bulk_create(requests, batch_size=5000)
    entries.extend(
        LeaveLedgerEntry(user_id=r.user_id, leave_type_id=r.leave_type_id, kind="taken", minutes=-r.minutes,
                         effective_on=r.start_date, request=r, idempotency_key=f"taken:{r.pk}")
        for r in made
    )  # fmt: skip
    LeaveLedgerEntry.objects.bulk_create(entries, batch_size=10000)
    requests.clear()
    entries.clear()


def _timed(runs: int, work: Any) -> list[float]:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        work(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure(tenant: Tenant, users: list[User], leave_type: LeaveType, runs: int, calendar_runs: int) -> dict[str, Any]:
    rng = random.Random(7)
    with schema_context(tenant.schema_name):
        focus = users[0]
        focus_rows = LeaveLedgerEntry.objects.filter(user=focus).count()
        total_rows = LeaveLedgerEntry.objects.count()
        total_requests = LeaveRequest.objects.count()
        picks = [focus.pk if i % 2 == 0 else rng.choice(users).pk for i in range(runs + 1)]
        ledger_sum(user=picks[-1], leave_type=leave_type)  # warm
        balance_times = _timed(runs, lambda i: ledger_sum(user=picks[i], leave_type=leave_type))
        ahead = datetime.date(FIRST_YEAR + YEARS, 12, 31)
        projection_times = _timed(min(runs, 50), lambda i: balance_on(user=focus.pk, leave_type=leave_type, on=ahead))
        months = [f"{FIRST_YEAR + rng.randrange(YEARS)}-{rng.randint(1, 12):02d}" for _ in range(calendar_runs + 1)]
        teams = [[u.pk for u in rng.sample(users, TEAM)] for _ in range(calendar_runs + 1)]
        sizes: list[int] = []

        def calendar(i: int) -> None:
            year, month = (int(part) for part in months[i].split("-"))
            start = datetime.date(year, month, 1)
            end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
            sizes.append(len(team_calendar(start=start, end=end, user_ids=teams[i])))

        calendar(calendar_runs)  # warm
        calendar_times = _timed(calendar_runs, calendar)
    return {
        "balance_p95_ms": round(percentile(balance_times, 95), 3),
        "calendar_p95_ms": round(percentile(calendar_times, 95), 3),
        "balance_p50_ms": round(percentile(balance_times, 50), 3),
        "projection_p95_ms": round(percentile(projection_times, 95), 3),
        "calendar_p50_ms": round(percentile(calendar_times, 50), 3),
        "calendar_people_off_mean": round(sum(sizes) / len(sizes), 1),
        "focus_ledger_rows": focus_rows,
        "ledger_rows": total_rows,
        "requests": total_requests,
        "people": len(users),
        "runs": runs,
        "calendar_runs": calendar_runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--calendar-runs", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true", help="Make the ledger and requests again.")
    parser.add_argument("--drop", action="store_true", help="Drop the bench database afterwards.")
    args = parser.parse_args()
    tenant = platform_ensure()
    with schema_context(tenant.schema_name):
        users = people_ensure(tenant)
    leave_type, seconds = data_build(tenant, users, args.rebuild)
    log(f"Data ready in {seconds:.1f} s; measuring ...")
    result = measure(tenant, users, leave_type, args.runs, args.calendar_runs)
    connection.close()
    if args.drop:
        BENCH.drop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
