"""The portal home block of billing (PortalHomeBlock in contributions.py): trial days left and payment
problems (past due, failed payment, suspension)."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from apps.billing.models import Invoice, InvoiceStatus, Payment, PaymentStatus, SubscriptionStatus

from .selectors import live_subscription

FAILED_PAYMENT_DAYS = 30


def home_context(request: HttpRequest) -> dict[str, Any]:
    """Three queries whatever the history: the live subscription (with its plan), the open and overdue
    invoices, the failed payments of the last 30 days."""
    tenant = request.tenant  # type: ignore[attr-defined]
    now = timezone.now()
    subscription = live_subscription(tenant)
    invoices = Invoice.objects.filter(tenant=tenant, status=InvoiceStatus.OPEN).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now))
    )
    failed = Payment.objects.filter(
        tenant=tenant, status=PaymentStatus.FAILED, created_at__gte=now - dt.timedelta(days=FAILED_PAYMENT_DAYS)
    ).count()
    trial_days_left = None
    status = subscription.status if subscription else ""
    if subscription and status == SubscriptionStatus.TRIALING and subscription.trial_end:
        trial_days_left = max(0, (subscription.trial_end - now + dt.timedelta(hours=23, minutes=59)).days)
    problems = []
    if status == SubscriptionStatus.SUSPENDED:
        problems.append("Your subscription is suspended for non-payment.")
    elif status == SubscriptionStatus.PAST_DUE:
        problems.append("Your subscription is past due.")
    if invoices["overdue"]:
        problems.append(f"{invoices['overdue']} invoice{'s' if invoices['overdue'] != 1 else ''} overdue.")
    if failed:
        problems.append(f"{failed} failed payment{'s' if failed != 1 else ''} in the last {FAILED_PAYMENT_DAYS} days.")
    return {
        "subscription": subscription,
        "trial_days_left": trial_days_left,
        "trial_over": bool(
            trial_days_left == 0 and subscription and subscription.trial_end and subscription.trial_end <= now
        ),
        "open_invoices": invoices["open"],
        "overdue_invoices": invoices["overdue"],
        "failed_payments": failed,
        "problems": problems,
        "attention": len(problems) or (trial_days_left is not None and trial_days_left <= 7),
        "empty": subscription is None and not problems,
    }
