"""Benchmark the approvals inbox and decisions at size: 10,000 open requests across 500 approvers.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/approvals.py [--runs 200] [--drop]

It uses its own database (`nf_bench_approvals` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated on the first run with the test settings. In it, one tenant
"bench-appr" gets 500 approvers and 200 requesters (users, memberships, profiles), a one-step
workflow, and, in bulk on every run (the previous run's requests are removed first, since the run
decides some of them): 10,000 pending requests, each with its open step asking two random approvers
(20,000 pending assignments, ~40 per approver), the submitted/routed trail rows.

Then, timed one by one, percentiles by nearest rank:

* inbox: `list(inbox_for(user)[:50])` for `--runs` random approvers (a freshly loaded user);
* act: `request_approve` (even runs) or `request_reject` (odd runs) by one of the request's pending
  approvers, on `--runs` distinct requests: lock, assignment, trail, step, decision, history,
  audit event, the kind's callback.

Progress goes to stderr; the last line on stdout is one JSON object:
`{"open_requests", "inbox_p95_ms", "act_p95_ms", ...extra fields}` (goals: 50 ms and 100 ms).
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

BENCH = BenchDatabase("nf_bench_approvals")
BENCH.ensure()

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from apps.accounts.models import Membership, User  # noqa: E402
from apps.approvals.models import (  # noqa: E402
    ApprovalAssignment,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalStep,
    ApprovalWorkflow,
)
from apps.approvals.selectors import inbox_for  # noqa: E402
from apps.approvals.services import request_approve, request_reject, workflow_save  # noqa: E402
from apps.core.contributions import ApprovalKind, contribute  # noqa: E402
from apps.organisation.models import MemberProfile  # noqa: E402
from apps.tenancy.models import Tenant  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402

SLUG, KIND = "bench-appr", "bench_request"
N_REQUESTS, N_APPROVERS, N_REQUESTERS = 10_000, 500, 200
UNUSABLE = make_password(None)


def decided(request: Any, outcome: str) -> None:
    """The bench kind's callback: nothing to apply."""


contribute(ApprovalKind(KIND, "Bench request", "organisation.Entity", on_decision=decided))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def platform_ensure() -> Tenant:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    platform_tenant_ensure(domain="localhost")
    tenant_template_ensure()
    tenant = Tenant.objects.filter(slug=SLUG).first() or tenant_create(name="Bench Appr", slug=SLUG, acting_user=None)
    log(f"Platform, template and tenant ready in {time.perf_counter() - started:.1f} s.")
    return tenant


def people_ensure(tenant: Tenant, prefix: str, count: int) -> list[User]:
    emails = [f"bench-appr-{prefix}-{i}@bench.invalid" for i in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create([User(email=e, full_name=e.split("@")[0], password=UNUSABLE) for e in emails
                              if e not in existing], batch_size=2000)  # fmt: skip
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    Membership.objects.bulk_create([Membership(user=u, tenant=tenant) for u in users], ignore_conflicts=True)
    MemberProfile.objects.bulk_create([MemberProfile(user=u) for u in users], ignore_conflicts=True)
    return users


def requests_build(tenant: Tenant) -> tuple[list[User], float]:
    """Remove the previous run's requests, then bulk-create 10,000 open ones."""
    started, rng, now = time.perf_counter(), random.Random(11), timezone.now()
    with schema_context(tenant.schema_name), transaction.atomic():
        approvers = people_ensure(tenant, "approver", N_APPROVERS)
        requesters = people_ensure(tenant, "requester", N_REQUESTERS)
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE approvals_approvalevent, approvals_approvalassignment, approvals_approvalstep, "
                "approvals_approvalrequest, approvals_historicalapprovalrequest"
            )
        ApprovalWorkflow.objects.filter(kind=KIND).delete()
        steps = [{"name": "Either", "approver_type": "people", "people": [u.pk for u in approvers[:2]]}]
        workflow = workflow_save(kind=KIND, name="Bench", steps=steps, acting_user=None)
        snapshot = [{**steps[0], "position": 1, "people": [], "manager_levels": 1, "role_id": None, "team_id": None,
                     "rule": "any", "quorum": None, "condition": None, "time_limit_hours": None,
                     "reminder_hours": None, "on_timeout": "escalate", "fallback_approver_id": None}]  # fmt: skip
        requests = ApprovalRequest.objects.bulk_create([
            ApprovalRequest(kind=KIND, subject_model="organisation.Entity", subject_id=str(i),
                            summary=f"Bench request {i}", requester=rng.choice(requesters), workflow=workflow,
                            steps_snapshot=snapshot, current_position=1)
            for i in range(N_REQUESTS)
        ], batch_size=2000)  # fmt: skip
        steps_rows = ApprovalStep.objects.bulk_create([
            ApprovalStep(request=r, round=1, position=1, name="Either", status="open", opened_at=now) for r in requests
        ], batch_size=2000)  # fmt: skip
        assignments, events = [], []
        for request, step in zip(requests, steps_rows, strict=True):
            for approver in rng.sample(approvers, 2):
                assignments.append(ApprovalAssignment(step=step, request=request, approver=approver, reason="bench"))
            events += [ApprovalEvent(request=request, action="submitted", actor=request.requester),
                       ApprovalEvent(request=request, step=step, action="routed", comment="bench")]  # fmt: skip
        ApprovalAssignment.objects.bulk_create(assignments, batch_size=5000)
        ApprovalEvent.objects.bulk_create(events, batch_size=5000)
    with schema_context(tenant.schema_name), connection.cursor() as cursor:
        for table in ("approvalrequest", "approvalstep", "approvalassignment", "approvalevent"):
            cursor.execute(f"ANALYZE approvals_{table}")
    return approvers, time.perf_counter() - started


def _timed(runs: int, work: Any) -> list[float]:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        work(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure(tenant: Tenant, approvers: list[User], runs: int) -> dict[str, Any]:
    rng = random.Random(7)
    with schema_context(tenant.schema_name):
        open_requests = ApprovalRequest.objects.filter(status="pending").count()
        picks = [rng.choice(approvers).pk for _ in range(runs + 1)]
        sizes: list[int] = []

        def inbox(i: int) -> None:
            sizes.append(len(list(inbox_for(User.objects.get(pk=picks[i]))[:50])))

        inbox(runs)  # warm
        inbox_times = _timed(runs, inbox)
        chosen = list(
            ApprovalAssignment.objects.filter(status="pending").order_by("?").values_list("request_id", "approver_id")
        )
        targets, seen = [], set()
        for request_id, approver_id in chosen:
            if request_id not in seen:
                seen.add(request_id)
                targets.append((request_id, approver_id))
            if len(targets) > runs:
                break
        requests = ApprovalRequest.objects.in_bulk([request_id for request_id, _ in targets])
        users = User.objects.in_bulk([approver_id for _, approver_id in targets])

        def act(i: int) -> None:
            request_id, approver_id = targets[i]
            if i % 2:
                request_reject(request=requests[request_id], acting_user=users[approver_id], reason="bench")
            else:
                request_approve(request=requests[request_id], acting_user=users[approver_id])

        act(runs)  # warm
        act_times = _timed(runs, act)
    return {
        "open_requests": open_requests,
        "inbox_p95_ms": round(percentile(inbox_times, 95), 3),
        "act_p95_ms": round(percentile(act_times, 95), 3),
        "inbox_p50_ms": round(percentile(inbox_times, 50), 3),
        "act_p50_ms": round(percentile(act_times, 50), 3),
        "inbox_mean_size": round(sum(sizes) / len(sizes), 1),
        "approvers": N_APPROVERS,
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="timed runs of each measurement (default 200)")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args(argv)
    tenant = platform_ensure()
    log("Building the open requests ...")
    approvers, build_s = requests_build(tenant)
    log(f"Built in {build_s:.1f} s.")
    result = {**measure(tenant, approvers, args.runs), "build_s": round(build_s, 1)}
    log("Summary: " + ", ".join(f"{key}={value}" for key, value in result.items()))
    if args.drop:
        connection.close()
        BENCH.drop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
