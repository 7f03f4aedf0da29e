"""kill -9 of the worker in the middle of a billing run over 1,000 subscriptions.

After a restart (the sweeper re-sends the run with the same `now`) every subscription is renewed
within 2 minutes, with exactly one invoice per subscription period and at most one successful
payment per invoice.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count

from apps.billing.models import Invoice, Payment, PaymentMethod, Subscription
from apps.core.jobs import jobs_sweep
from apps.core.models import JobLease, NumberSeries
from apps.tenancy.models import Plan, Tenant, schema_name_for_slug
from config.celery import app

from .conftest import references_delete, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.chaos]
SUBSCRIPTIONS = 1000


@pytest.fixture
def subscriptions(committed: None) -> Iterator[datetime]:
    """1,000 tenants (rows only, no schema: billing lives in public), each with a card and a monthly
    subscription whose period ended at the returned time."""
    prefix = f"cb{secrets.token_hex(3)}-"
    series = {row.key: row.next_number for row in NumberSeries.objects.filter(key__in=["INV", "CN"])}
    period_end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    plan, _ = Plan.objects.get_or_create(
        name="chaos-billing", defaults={"display_name": "Chaos", "currency": "AUD", "price_monthly": Decimal("49.90")}
    )
    tenants = Tenant.objects.bulk_create(
        [Tenant(name=f"Chaos billing {n}", slug=f"{prefix}{n}", schema_name=schema_name_for_slug(f"{prefix}{n}"),
                status=Tenant.Status.ACTIVE, plan=plan, plan_status="active", country="AU",
                billing_email=f"b{n}@chaos.invalid") for n in range(SUBSCRIPTIONS)],
        batch_size=500,
    )  # fmt: skip
    PaymentMethod.objects.bulk_create(
        [PaymentMethod(tenant=t, provider="manual", brand="visa", last4="4242", exp_month=12, exp_year=2035,
                       is_default=True) for t in tenants],
        batch_size=500,
    )  # fmt: skip
    Subscription.objects.bulk_create(
        [Subscription(tenant=t, plan=plan, currency="AUD", status="active", quantity=1,
                      current_period_start=period_end - timedelta(days=30), current_period_end=period_end)
         for t in tenants],
        batch_size=500,
    )  # fmt: skip
    yield period_end
    references_delete(Tenant._meta.db_table, "starts_with(slug, %s)", [prefix])
    JobLease.objects.filter(task="billing.run").delete()
    # Numbers the run took go back (other tests count from the series' start): deleted invoices leave no gap.
    NumberSeries.objects.filter(key__in=["INV", "CN"]).exclude(key__in=series).delete()
    for key, next_number in series.items():
        NumberSeries.objects.filter(key=key).update(next_number=next_number)
    plan.delete()


def _ours(period_end: datetime) -> Any:
    return Invoice.objects.filter(period_start=period_end, subscription__tenant__name__startswith="Chaos billing")


def test_worker_killed_mid_billing_run(subscriptions: datetime, worker: Any) -> None:
    period_end = subscriptions
    now = (period_end + timedelta(minutes=30)).isoformat()
    app.send_task("billing.run", kwargs={"now": now}, headers={"_schema_name": "public"})
    worker.start()
    assert wait_until(lambda: _ours(period_end).count() >= 50, timeout=90), "the billing run issued nothing"
    worker.kill()
    assert _ours(period_end).count() < SUBSCRIPTIONS, "the run finished before the kill: nothing was interrupted"
    worker.start()
    renewed = Subscription.objects.filter(current_period_start=period_end, tenant__name__startswith="Chaos billing")

    def finished() -> bool:
        return renewed.count() == SUBSCRIPTIONS and not JobLease.objects.filter(task="billing.run").exists()

    assert wait_until(finished, timeout=120, step=jobs_sweep), f"{renewed.count()} of {SUBSCRIPTIONS} renewed"
    invoices = _ours(period_end)
    assert invoices.count() == SUBSCRIPTIONS
    assert not invoices.values("subscription").annotate(n=Count("pk")).filter(n__gt=1).exists()
    paid = Payment.objects.filter(invoice__in=invoices, status="succeeded")
    assert not paid.values("invoice").annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert paid.count() == SUBSCRIPTIONS
