"""Revenue dashboard: MRR by plan, new vs churned tenants, past due, failed payments — constant queries."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.billing.dashboard import failed_payments_per_week, mrr_by_plan, past_due, tenants_new_and_churned
from apps.billing.models import Invoice, Payment, Subscription
from apps.tenancy.models import Tenant, TenantStatus

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/billing/subscription/dashboard/"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def tenants(count: int, prefix: str) -> list[Tenant]:
    return Tenant.objects.bulk_create(
        Tenant(name=f"{prefix} {i}", slug=f"{prefix}-{i}", schema_name=f"t_{prefix}_{i}", status=TenantStatus.ACTIVE)
        for i in range(count)
    )


def subscriptions(rows: list[Tenant], plan, **fields) -> list[Subscription]:
    values = {
        "billing_cycle": "monthly", "quantity": 1, "status": "active", "currency": "AUD",
        "current_period_start": NOW - timedelta(days=5), "current_period_end": NOW + timedelta(days=25),
    } | fields  # fmt: skip
    subs = Subscription.objects.bulk_create(Subscription(tenant=t, plan=plan, **values) for t in rows)
    # created_at is auto_now_add: backdate them to September 2026 to give the series a start.
    Subscription.objects.filter(pk__in=[s.pk for s in subs]).update(created_at=datetime(2026, 9, 10, tzinfo=UTC))
    return subs


def test_mrr_normalises_cycles_to_a_month_and_multiplies_seats(starter, professional):
    subscriptions(tenants(2, "m"), starter, quantity=3)  # 2 x 3 x 49.00 = 294.00
    subscriptions(tenants(1, "q"), starter, billing_cycle="quarterly")  # 139.00 / 3 = 46.33
    subscriptions(tenants(1, "a"), professional, billing_cycle="annual", quantity=2)  # 1599 x 2 / 12 = 266.50
    series = {s.label: s for s in mrr_by_plan(now=NOW)}
    starter_mrr = series["MRR · Starter (AUD)"]
    assert len(starter_mrr.values) == 12
    assert starter_mrr.values[-1] == pytest.approx(340.33)
    assert starter_mrr.values[-4] == 0  # August: nothing yet
    assert series["MRR · Professional (AUD)"].values[-1] == pytest.approx(266.50)


def test_trials_are_not_revenue_and_ended_ones_only_until_they_ended(starter):
    subscriptions(tenants(1, "t"), starter, status="trialing", trial_end=NOW + timedelta(days=3))
    ended = subscriptions(tenants(1, "e"), starter, status="ended")
    Subscription.objects.filter(pk=ended[0].pk).update(ended_at=datetime(2026, 10, 15, tzinfo=UTC))
    values = {s.label: s for s in mrr_by_plan(now=NOW)}["MRR · Starter (AUD)"].values
    # Live at the end of September (created 10 Sep), ended 15 Oct: revenue in September only.
    assert values[-3:] == [49.0, 0, 0]


def test_new_and_churned_per_month(starter):
    rows = tenants(3, "n")
    Tenant.objects.filter(pk__in=[t.pk for t in rows]).update(created_at=datetime(2026, 10, 3, tzinfo=UTC))
    subs = subscriptions(rows[:1], starter, status="ended")
    Subscription.objects.filter(pk=subs[0].pk).update(ended_at=datetime(2026, 11, 2, tzinfo=UTC))
    new, churned = tenants_new_and_churned(now=NOW)
    assert new.values[-2] == 3 and churned.values[-1] == 1 and churned.values[-2] == 0


def _invoice(tenant, number: int, **fields) -> Invoice:
    values = {
        "status": "open", "currency": "AUD", "total": Decimal("110.00"), "series": "TST",
        "sequence_number": number, "number": f"TST-{number}", "idempotency_key": f"dash-{number}",
    } | fields  # fmt: skip
    return Invoice.objects.create(tenant=tenant, **values)


def test_past_due_sums_what_is_still_due_of_open_overdue_invoices(acme):
    _invoice(acme, 1, due_at=NOW - timedelta(days=3), amount_paid=Decimal("10.00"))
    _invoice(acme, 2, due_at=NOW - timedelta(days=1))
    _invoice(acme, 3, due_at=NOW + timedelta(days=1))  # not yet due
    _invoice(acme, 4, due_at=NOW - timedelta(days=9), status="paid", amount_paid=Decimal("110.00"))
    (row,) = past_due(now=NOW)
    assert (row.currency, row.invoices, row.amount) == ("AUD", 2, Decimal("210.00"))


def test_failed_payments_per_week(acme):
    invoice = _invoice(acme, 5, due_at=NOW)
    for i in range(3):
        Payment.objects.create(tenant=acme, invoice=invoice, amount=Decimal("1.00"), currency="AUD",
                               status="failed", idempotency_key=f"fail-{i}", provider="manual")  # fmt: skip
    series = failed_payments_per_week()
    assert len(series.values) == 12 and series.values[-1] == 3


def test_dashboard_renders_charts_with_constant_queries(platform_client, billing_staff, starter, professional):
    platform_client.force_login(billing_staff)
    subscriptions(tenants(1, "s"), starter)
    with CaptureQueriesContext(connection) as few:
        page = platform_client.get(DASHBOARD).content.decode()
    assert page.count("<svg") >= 5 and "MRR · Starter (AUD)" in page and "Failed payments per week" in page
    subscriptions(tenants(30, "b"), starter, quantity=2)
    subscriptions(tenants(30, "c"), professional, billing_cycle="annual")
    with CaptureQueriesContext(connection) as many:
        assert platform_client.get(DASHBOARD).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_support_cannot_open_the_dashboard(platform_client, support_staff):
    platform_client.force_login(support_staff)
    assert platform_client.get(DASHBOARD).status_code == 403
