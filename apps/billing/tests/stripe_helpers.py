"""Objects the Stripe tests share: a plan, a subscription and an open invoice for acme."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from apps.billing.models import Invoice, InvoiceStatus, Provider, Subscription, SubscriptionStatus
from apps.tenancy.models import Plan

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def plan_make(name: str = "stripe-growth") -> Plan:
    return Plan.objects.create(
        name=name,
        display_name="Growth",
        currency="AUD",
        price_monthly=Decimal("49.00"),
        price_quarterly=Decimal("139.50"),
        price_annual=Decimal("499.00"),
    )


def subscription_make(tenant, plan: Plan, **fields) -> Subscription:
    values = {
        "tenant": tenant,
        "plan": plan,
        "currency": "AUD",
        "status": SubscriptionStatus.ACTIVE,
        "current_period_start": NOW,
        "current_period_end": NOW + timedelta(days=31),
        "provider": Provider.STRIPE,
        **fields,
    }
    return Subscription.objects.create(**values)


def invoice_make(tenant, *, total: Decimal = Decimal("53.90"), number: int = 9001, **fields) -> Invoice:
    values = {
        "tenant": tenant,
        "status": InvoiceStatus.OPEN,
        "currency": "AUD",
        "series": "STRIPETEST",
        "sequence_number": number,
        "number": f"STRIPETEST-{number}",
        "idempotency_key": f"stripe-test:{number}",
        "subtotal": total,
        "total": total,
        "provider": Provider.STRIPE,
        "issued_at": NOW,
        **fields,
    }
    return Invoice.objects.create(**values)
