"""Benchmark the billing run: many subscriptions due at once, two worker processes, then a rerun.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/billing_run.py [--subscriptions 10000] [--tenants N] [--workers 2] [--drop]

It uses its own database (`nf_bench_billing` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated (shared apps only: billing lives in the public schema) with the test
settings on the first run, and loads the countries so invoices carry tax. Each run removes the
previous run's billing rows and bench tenants, then bulk-creates:

* the tenants (Tenant rows only, status active, no schema: nothing here touches tenant schemas),
  half in AU (GST 10 % exclusive) and half in GB (VAT 20 % inclusive), each with a default card;
* one live monthly subscription per tenant (the database allows one live subscription per tenant,
  so `--tenants` defaults to `--subscriptions`; 10,000 subscriptions need 10,000 tenants), all with
  a period ending at today's 00:00 UTC.

Then it times `apps.billing.run.billing_run(now=..., workers=2)`: the due subscriptions are renewed
by two processes (each its own database connection; `SKIP LOCKED` splits the rows), i.e. the
invoice issued (numbered under the series lock, tax per line), charged through the manual gateway
and the period advanced; and runs it again, which must issue nothing.

Progress goes to stderr; the last line on stdout is one JSON object:
`{"subscriptions", "seconds", "invoices", "rerun_new_invoices", ...extra fields}`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_billing")
BENCH_DATABASE = BENCH.name
database_ensure, database_drop = BENCH.ensure, BENCH.drop

SLUG_PREFIX = "bb-"


database_ensure()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from apps.billing.models import Invoice, Payment, PaymentMethod, Subscription  # noqa: E402
from apps.billing.run import billing_run  # noqa: E402
from apps.reference.models import Country  # noqa: E402
from apps.tenancy.models import Plan, Tenant, schema_name_for_slug  # noqa: E402

BILLING_TABLES = [
    "billing_subscriptionchange", "billing_couponredemption", "billing_creditnote", "billing_payment",
    "billing_invoiceline", "billing_invoice", "billing_paymentmethod",
    "billing_billingalert", "billing_subscription",
]  # fmt: skip


def platform_ensure() -> None:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    if not Country.objects.filter(code="AU").exists():
        call_command("loaddata", str(REPO_ROOT / "fixtures" / "countries.json"), verbosity=0)
    log(f"Database ready in {time.perf_counter() - started:.1f} s.")


def previous_run_remove() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(BILLING_TABLES)}")
        # Invoice and credit-note numbers start again at 1 (apps.core.numbering's series rows).
        cursor.execute("DELETE FROM core_numberseries WHERE key IN ('INV', 'CN')")
        cursor.execute("DELETE FROM tenancy_tenant WHERE slug LIKE %s", [f"{SLUG_PREFIX}%"])


def build(n_subscriptions: int, n_tenants: int, period_end: datetime) -> None:
    started = time.perf_counter()
    plan, _ = Plan.objects.get_or_create(
        name="bench-billing",
        defaults={"display_name": "Bench", "currency": "AUD", "price_monthly": Decimal("49.90"),
                  "price_quarterly": Decimal("139.00"), "price_annual": Decimal("499.00")},
    )  # fmt: skip
    tenants = Tenant.objects.bulk_create(
        [
            Tenant(name=f"Bench billing {n}", slug=f"{SLUG_PREFIX}{n}",
                   schema_name=schema_name_for_slug(f"{SLUG_PREFIX}{n}"), status=Tenant.Status.ACTIVE, plan=plan,
                   plan_status="active", country="AU" if n % 2 else "GB", billing_email=f"billing-{n}@bench.invalid")
            for n in range(n_tenants)
        ],
        batch_size=2000,
    )  # fmt: skip
    PaymentMethod.objects.bulk_create(
        [PaymentMethod(tenant=t, provider="manual", brand="visa", last4="4242", exp_month=12, exp_year=2035,
                       is_default=True) for t in tenants],
        batch_size=2000,
    )  # fmt: skip
    start = period_end - timedelta(days=30)
    Subscription.objects.bulk_create(
        [Subscription(tenant=tenants[n % n_tenants], plan=plan, currency="AUD", status="active", quantity=1 + n % 5,
                      current_period_start=start, current_period_end=period_end) for n in range(n_subscriptions)],
        batch_size=2000,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"Built {n_tenants} tenants and {n_subscriptions} subscriptions in {time.perf_counter() - started:.1f} s.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--tenants", type=int, default=None, help="default: one per subscription (see above)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args(argv)
    n_tenants = args.tenants or args.subscriptions
    if n_tenants < args.subscriptions:
        parser.error("each tenant may have one live subscription: --tenants must be >= --subscriptions")
    platform_ensure()
    previous_run_remove()
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    build(args.subscriptions, n_tenants, period_end=today)
    now = today + timedelta(hours=1)

    started = time.perf_counter()
    first = billing_run(now=now, workers=args.workers)
    seconds = time.perf_counter() - started
    invoices = Invoice.objects.count()
    log(f"Run: {seconds:.1f} s, {first}")
    started = time.perf_counter()
    rerun = billing_run(now=now, workers=args.workers)
    rerun_seconds = time.perf_counter() - started
    log(f"Rerun: {rerun_seconds:.1f} s, {rerun}")
    result = {
        "subscriptions": args.subscriptions,
        "seconds": round(seconds, 1),
        "invoices": invoices,
        "rerun_new_invoices": Invoice.objects.count() - invoices,
        "tenants": n_tenants,
        "workers": args.workers,
        "payments_succeeded": Payment.objects.filter(status="succeeded").count(),
        "paid_invoices": Invoice.objects.filter(status="paid").count(),
        "advanced": Subscription.objects.filter(current_period_start=today).count(),
        "errors": first.get("errors", 0) + rerun.get("errors", 0),
        "rerun_seconds": round(rerun_seconds, 1),
    }
    if args.drop:
        connection.close()
        database_drop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
