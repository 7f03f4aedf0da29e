"""Benchmark form analytics: per-field aggregates over 1,000,000 submissions for one workplace and one month.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/report_analytics.py [--submissions 1000000] [--noise 200000] [--people 300]
        [--requests 200] [--drop]

It uses its own database (`nf_bench_report_analytics` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated on the first run with the test settings. In it, one tenant "bench-forms"
(Australia/Sydney) on a plan with Reports gets 10 sites, `--people` people and a published "Store visit" form of
nine fields (numbers, a rating, a computed field, single and multiple choice, text, a conditional text). Then
`--submissions` submitted or approved submissions at one site in November 2026 and `--noise` more at the other
sites and in October, written by one INSERT … SELECT over generate_series each (not the ORM). The rollups are
built by the app's own bulk path (`forms.submissions_bulk_created` → `rollup_add`, set-based SQL, in batches) and
are rebuilt only when the submissions change.

Timed: `GET /api/v1/reports/analytics/<template>/?workplace=<site>&from=2026-11-01&to=2026-11-30` (Django's test
client with a tenant admin's bearer token: the real middleware, authentication, access checks, rollup reads and
JSON), `--requests` times after a warm-up, alternating no grouping, by day and by week. Progress goes to stderr;
the last line on stdout is one JSON object: `{"submissions", "p95_ms", ...}` (goal: p95 <= 200 ms).
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

BENCH = BenchDatabase("nf_bench_report_analytics")
BENCH.ensure()

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context, tenant_context  # noqa: E402

from apps.accounts.models import Membership, User  # noqa: E402
from apps.forms.models import FormField, FormTemplate, FormVersion  # noqa: E402
from apps.formstats.hooks import submissions_bulk_created  # noqa: E402
from apps.formstats.models import RolledSubmission  # noqa: E402
from apps.organisation.models import MemberProfile  # noqa: E402
from apps.tenancy.models import Plan, Tenant  # noqa: E402
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure  # noqa: E402
from apps.tokens.access_tokens import access_token_issue  # noqa: E402
from apps.tokens.models import RefreshTokenFamily  # noqa: E402
from apps.workplaces.models import Workplace  # noqa: E402
from apps.workplaces.services import workplace_create  # noqa: E402

SLUG, HOST, N_SITES, BATCH = "bench-forms", "bench-forms.localhost", 10, 50_000
UNUSABLE = make_password(None)
OPTIONS = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]
BRANDS = [{"value": v, "label": v.title()} for v in ("acme", "brio", "cora", "dune", "echo")]
FIELDS = [
    ("shelf_share", "number", {"unit": "%", "min": 0, "max": 100}),
    ("price", "number", {"unit": "AUD"}),
    ("facings", "number", {}),
    ("display_ok", "single_choice", {"options": OPTIONS}),
    ("why_not", "text", {"condition": {"field": "display_ok", "equals": "no"}}),
    ("brands", "multiple_choice", {"options": BRANDS}),
    ("rating", "rating", {"scale": 5}),
    ("value_seen", "computed", {"formula": "price * facings"}),
    ("notes", "text", {}),
]


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
        name="Bench Forms", slug=SLUG, acting_user=None, domain=HOST
    )
    plan, _ = Plan.objects.get_or_create(name="bench-forms", defaults={
        "display_name": "Bench (Reports)", "features": {"solutions": ["reports"]}})  # fmt: skip
    Tenant.objects.filter(pk=tenant.pk).update(plan=plan, status=Tenant.Status.ACTIVE, api_calls_per_day=10_000_000,
                                               time_zone="Australia/Sydney")  # fmt: skip
    tenant.refresh_from_db()
    call_command("migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=0)
    log(f"Platform, template and tenant ready in {time.perf_counter() - started:.1f} s.")
    return tenant


def people_ensure(tenant: Tenant, count: int) -> tuple[User, list[User]]:
    emails = [f"bench-forms-{i}@bench.invalid" for i in range(count)] + ["bench-forms-admin@bench.invalid"]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create([User(email=e, full_name=e.split("@")[0], password=UNUSABLE) for e in emails
                              if e not in existing], batch_size=2000)  # fmt: skip
    users = list(User.objects.filter(email__in=emails).order_by("email"))
    admin = next(u for u in users if u.email.startswith("bench-forms-admin"))
    Membership.objects.bulk_create([Membership(user=u, tenant=tenant, role="tenant_admin" if u == admin else "member")
                                    for u in users], ignore_conflicts=True)  # fmt: skip
    with schema_context(tenant.schema_name):
        MemberProfile.objects.bulk_create([MemberProfile(user=u) for u in users], ignore_conflicts=True)
    return admin, [u for u in users if u != admin]


def sites_ensure() -> list[Workplace]:
    region = Workplace.objects.filter(code="BF-R").first() or workplace_create(
        kind="region", code="BF-R", name="Region", acting_user=None)  # fmt: skip
    area = Workplace.objects.filter(code="BF-A").first() or workplace_create(
        kind="area", code="BF-A", name="Area", parent=region, acting_user=None)  # fmt: skip
    for i in range(N_SITES):
        code = f"BF-SITE-{i:02d}"
        if not Workplace.objects.filter(code=code).exists():
            workplace_create(kind="site", code=code, name=f"Store {i}", parent=area, acting_user=None,
                             time_zone="Australia/Sydney")  # fmt: skip
    return list(Workplace.objects.filter(kind="site", code__startswith="BF-SITE-").order_by("code"))


def form_ensure() -> FormTemplate:
    template = FormTemplate.objects.filter(name="Bench store visit").first()
    if template is not None:
        return template
    template = FormTemplate.objects.create(name="Bench store visit")
    schema = {"sections": [{"title": "Visit", "fields": [{"key": k, "type": t, "config": c} for k, t, c in FIELDS]}]}
    version = FormVersion.objects.create(template=template, number=1, schema=schema, published_at=timezone.now())
    FormField.objects.bulk_create([FormField(version=version, key=k, label=k.replace("_", " ").capitalize(), type=t,
                                             position=i, config=c) for i, (k, t, c) in enumerate(FIELDS)])  # fmt: skip
    FormTemplate.objects.filter(pk=template.pk).update(current_version=version, status="published")
    template.refresh_from_db()
    return template


# Answers vary with g: shares 0-100, prices, facings 1-12, display no every 4th (then why_not), 1-3 brands.
INSERT = """
INSERT INTO forms_submission (template_id, version_id, person_id, workplace_id, task_id, client_id, body_sha256, status,
    answers, created_at, updated_at, submitted_at, reviewed_by_id, reviewed_at, review_note)
SELECT %(template)s, %(version)s, (%(users)s::uuid[])[1 + g %% %(n_users)s], {workplace}, NULL, gen_random_uuid(), '',
       CASE WHEN g %% 3 = 0 THEN 'approved' ELSE 'submitted' END,
       jsonb_strip_nulls(jsonb_build_object(
           'shelf_share', g %% 101, 'price', round(((g %% 500) / 10.0 + 1)::numeric, 2), 'facings', 1 + g %% 12,
           'display_ok', CASE WHEN g %% 4 = 0 THEN 'no' ELSE 'yes' END,
           'why_not', CASE WHEN g %% 4 = 0 THEN 'No stand' END,
           'brands', (ARRAY['["acme"]', '["acme","brio"]', '["cora","dune","echo"]', '["brio"]'])[1 + g %% 4]::jsonb,
           'rating', 1 + g %% 5, 'value_seen', round((((g %% 500) / 10.0 + 1) * (1 + g %% 12))::numeric, 2),
           'notes', CASE WHEN g %% 7 = 0 THEN 'Looked fine' END)),
       at, at, at, NULL, CASE WHEN g %% 3 = 0 THEN at END, ''
FROM (SELECT g, {start}::timestamptz + (g %% %(spread)s) * interval '1 second' AS at
      FROM generate_series(1, %(count)s) AS g) AS rows
"""


def submissions_build(tenant: Tenant, args: argparse.Namespace, template: FormTemplate, people: list[User],
                      sites: list[Workplace]) -> bool:  # fmt: skip
    """The submissions (when their count differs); True when they were (re)written."""
    wanted = args.submissions + args.noise
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM forms_submission")
        if cursor.fetchone()[0] == wanted:
            log(f"{wanted} submissions already there.")
            return False
        started = time.perf_counter()
        cursor.execute("TRUNCATE forms_submission, formstats_rolledsubmission, formstats_fielddayrollup, "
                       "formstats_fieldpersondayrollup, formstats_submissiondayrollup CASCADE")  # fmt: skip
        common = {"template": template.pk, "version": template.current_version_id, "users": [str(u.pk) for u in people],
                  "n_users": len(people)}  # fmt: skip
        november = "'2026-11-01 00:00 Australia/Sydney'"
        cursor.execute(INSERT.format(workplace=str(sites[0].pk), start=november),
                       {**common, "count": args.submissions, "spread": 30 * 86400})  # fmt: skip
        others = "(%(others)s::bigint[])[1 + g %% %(n_others)s]"
        cursor.execute(INSERT.format(workplace=others, start="'2026-10-01 00:00 Australia/Sydney'"),
                       {**common, "count": args.noise, "spread": 61 * 86400, "others": [s.pk for s in sites[1:]],
                        "n_others": len(sites) - 1})  # fmt: skip
        cursor.execute("ANALYZE forms_submission")
    log(f"{wanted} submissions inserted in {time.perf_counter() - started:.1f} s.")
    return True


def rollups_build(rebuilt: bool) -> float | None:
    """The app's bulk path over every submission, in batches; the seconds it took (None when already built)."""
    total = submissions_count()
    if not rebuilt and RolledSubmission.objects.count() == total:
        log("Rollups already built.")
        return None
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM forms_submission ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
    for i in range(0, len(ids), BATCH):
        submissions_bulk_created(ids[i : i + BATCH])
        if (i // BATCH) % 4 == 0:
            log(f"  rolled up {min(i + BATCH, len(ids))} / {len(ids)} ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        for table in ("formstats_fielddayrollup", "formstats_fieldpersondayrollup", "formstats_submissiondayrollup"):
            cursor.execute(f"ANALYZE {table}")
    seconds = time.perf_counter() - started
    log(f"Rollups of {len(ids)} submissions built in {seconds:.1f} s ({len(ids) / seconds:.0f} a second).")
    return seconds


def submissions_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM forms_submission")
        return int(cursor.fetchone()[0])


def token_issue(tenant: Tenant, admin: User) -> str:
    RefreshTokenFamily.objects.filter(tenant=tenant, device_name="bench").delete()
    family = RefreshTokenFamily.objects.create(user=admin, tenant=tenant, device_name="bench",
                                               refresh_token_version=admin.refresh_token_version)  # fmt: skip
    return access_token_issue(user=admin, tenant=tenant, family=family)[0]


def measure(token: str, template: FormTemplate, site: Workplace, requests: int) -> tuple[list[float], set[int], int]:
    client = Client(HTTP_HOST=HOST)
    base = f"/api/v1/reports/analytics/{template.pk}/?workplace={site.pk}&from=2026-11-01&to=2026-11-30"
    urls = [base, base + "&group_by=day", base + "&group_by=week"]
    for url in urls * 5:  # warm-up
        client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    timings, queries, counted = [], set(), 0
    for i in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            answer = client.get(urls[i % len(urls)], HTTP_AUTHORIZATION=f"Bearer {token}")
            timings.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{answer.status_code}: {answer.content[:300]!r}")
        counted = answer.json()["submissions"]
        queries.add(len(captured))
    return timings, queries, counted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=1_000_000)
    parser.add_argument("--noise", type=int, default=200_000)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--drop", action="store_true", help="Drop the benchmark database afterwards.")
    args = parser.parse_args()
    tenant = platform_ensure()
    admin, people = people_ensure(tenant, args.people)
    with tenant_context(tenant):
        sites = sites_ensure()
        template = form_ensure()
        rebuilt = submissions_build(tenant, args, template, people, sites)
        rollup_seconds = rollups_build(rebuilt)
    token = token_issue(tenant, admin)
    log(f"Timing {args.requests} analytics reads of {sites[0].code} in November 2026 ...")
    timings, queries, counted = measure(token, template, sites[0], args.requests)
    if counted != args.submissions:
        raise SystemExit(f"The analytics counted {counted} submissions, not {args.submissions}.")
    log(f"median {percentile(timings, 50):.1f} ms, p95 {percentile(timings, 95):.1f} ms, "
        f"queries per call {sorted(queries)}")  # fmt: skip
    if args.drop:
        connection.close()
        BENCH.drop()
    print(json.dumps({"submissions": args.submissions, "p95_ms": round(percentile(timings, 95), 1),
                      "median_ms": round(percentile(timings, 50), 1), "queries": sorted(queries),
                      "rollup_s": None if rollup_seconds is None else round(rollup_seconds, 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
