"""What a tenant sees of its billing (shared by the portal pages and the tenant API)."""

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from apps.billing.models import LIVE_STATUSES, Invoice, InvoiceStatus, Subscription
from apps.billing.money import money_round

CYCLE_PRICE = {"monthly": "price_monthly", "quarterly": "price_quarterly", "annual": "price_annual"}


def live_subscription(tenant: Any) -> Subscription | None:
    return (Subscription.objects.select_related("plan").filter(tenant=tenant, status__in=LIVE_STATUSES)
            .order_by("-created_at").first())  # fmt: skip


def renewal_amount(subscription: Subscription) -> Decimal:
    """The plan charge of the next period before tax and discounts (price of the cycle x seats)."""
    price: Decimal = getattr(subscription.plan, CYCLE_PRICE[subscription.billing_cycle])
    return money_round(price * subscription.quantity, subscription.currency)


def tenant_invoices(tenant: Any) -> QuerySet[Invoice]:
    """The tenant's issued invoices (drafts are never shown), newest first."""
    return Invoice.objects.filter(tenant=tenant).exclude(status=InvoiceStatus.DRAFT).order_by("-created_at", "-id")


def tenant_invoice_get(*, tenant: Any, uuid: Any) -> Invoice:
    """One issued invoice of this tenant; the same 404 for "not yours", "draft" and "missing"."""
    invoice = tenant_invoices(tenant).filter(uuid=uuid).first()
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice
