"""Billing fixtures shared by the billing tests: plans with known prices, countries, subscriptions.

Prices (AUD): starter 49.00 / 139.00 / 529.00, professional 149.00 / 419.00 / 1599.00; both without
a trial (use `plan_factory(trial_days=14)` for one). The default period of `make_subscription` is
1 Nov 2026 → 1 Dec 2026 (30 days), so "halfway" is 16 Nov 2026 00:00 UTC.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from apps.billing.models import Subscription
from apps.reference.models import Country
from apps.tenancy.models import Plan, ProrationRule
from tests.conekta_stub import conekta_stub  # noqa: F401 - the local Conekta stub fixture
from tests.stripe_stub import stripe_stub  # noqa: F401 - the local Stripe stub fixture, for every billing test

NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, tzinfo=UTC)
NOV_16 = datetime(2026, 11, 16, tzinfo=UTC)  # halfway through the 30-day November period

COUNTRIES = {
    "AU": {"name": "Australia", "currency_code": "AUD", "tax_rate": Decimal("0.1000"), "tax_name": "GST",
           "tax_inclusive": False, "tax_number_label": "ABN"},
    "GB": {"name": "United Kingdom", "currency_code": "GBP", "currency_symbol": "£", "tax_rate": Decimal("0.2000"),
           "tax_name": "VAT", "tax_inclusive": True, "tax_number_label": "VAT number"},
}  # fmt: skip


@pytest.fixture
def au_country(db) -> Country:
    return Country.objects.update_or_create(code="AU", defaults=COUNTRIES["AU"])[0]


@pytest.fixture
def gb_country(db) -> Country:
    return Country.objects.update_or_create(code="GB", defaults=COUNTRIES["GB"])[0]


@pytest.fixture
def plan_factory(db):
    """plan_factory(name, **fields) -> an active AUD plan (created or updated), no trial by default."""

    def make(name: str, **fields: Any) -> Plan:
        defaults: dict[str, Any] = {
            "display_name": name.title(), "currency": "AUD", "trial_days": 0, "is_active": True, "max_users": 100,
            "proration_upgrade": ProrationRule.IMMEDIATE_PRORATED, "proration_downgrade": ProrationRule.AT_RENEWAL,
        } | fields  # fmt: skip
        return Plan.objects.update_or_create(name=name, defaults=defaults)[0]

    return make


@pytest.fixture
def starter(plan_factory) -> Plan:
    return plan_factory("starter", price_monthly=Decimal("49.00"), price_quarterly=Decimal("139.00"),
                        price_annual=Decimal("529.00"), display_order=20)  # fmt: skip


@pytest.fixture
def professional(plan_factory) -> Plan:
    return plan_factory("professional", price_monthly=Decimal("149.00"), price_quarterly=Decimal("419.00"),
                        price_annual=Decimal("1599.00"), display_order=30)  # fmt: skip


@pytest.fixture
def acme_au(acme, au_country):
    """Acme billed in Australia (GST 10 % exclusive) with a billing email."""
    acme.country, acme.billing_email = "AU", "billing@acme.test"
    acme.save(update_fields=["country", "billing_email"])
    return acme


@pytest.fixture
def make_subscription(db, starter):
    """make_subscription(tenant, plan=starter, billing_cycle="monthly", quantity=1, status="active", ...) —
    written directly (no service, no audit), period 1 Nov → 1 Dec 2026 unless given."""

    def make(tenant: Any, plan: Plan | None = None, **fields: Any) -> Subscription:
        plan = plan or starter
        values: dict[str, Any] = {
            "billing_cycle": "monthly", "quantity": 1, "status": Subscription.Status.ACTIVE, "currency": plan.currency,
            "current_period_start": NOV_1, "current_period_end": DEC_1,
        } | fields  # fmt: skip
        return Subscription.objects.create(tenant=tenant, plan=plan, **values)

    return make


@pytest.fixture
def acme_subscription(make_subscription, acme_au) -> Subscription:
    """Acme (AU) on starter monthly, 1 seat, active, period 1 Nov → 1 Dec 2026."""
    return make_subscription(acme_au)
