"""Billing alerts: usage approaching plan limits, cards expiring, failed payments.

Each alert has a `dedup_key` (unique in the database): raising it again is a no-op, so the daily task
and repeated failures tell the tenant once per key. The alert row stays the record; the message goes
through apps.notifications (event `billing.<kind>`, see contributions.py and notices.py).
"""

from __future__ import annotations

import calendar
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.events import publish
from apps.tenancy.models import Tenant

from .models import AlertKind, BillingAlert, PaymentMethod, PaymentMethodKind
from .payloads import billing_alert_payload

logger = logging.getLogger(__name__)

USAGE_THRESHOLD = Decimal("0.9")
CARD_EXPIRY_WARNING_DAYS = 30


def alert_raise(
    *, tenant: Tenant, kind: str, dedup_key: str, message: str, detail: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> BillingAlert | None:  # fmt: skip
    """Record the alert unless its key exists, and publish `billing.<kind>` (after commit) for
    apps.notifications to tell the billing address and the tenant admins (the notices in
    contributions.py; `context`, JSON values only, goes into the event's payload for the message).
    None: a duplicate, which publishes nothing."""
    try:
        with transaction.atomic():
            alert = BillingAlert.objects.create(
                tenant=tenant, kind=kind, dedup_key=dedup_key, message=message[:500], detail=detail or {}
            )
    except IntegrityError:
        logger.debug("Billing alert %s already raised", dedup_key)
        return None
    publish(f"billing.{kind}", billing_alert_payload(alert, context or {}), tenant=tenant)
    return alert


def _usage_alerts(now: datetime) -> int:
    month = now.strftime("%Y-%m")
    raised = 0
    near_users = Tenant.objects.filter(status=Tenant.Status.ACTIVE, max_users__gt=0).filter(
        current_users__gte=F("max_users") * USAGE_THRESHOLD
    )
    for tenant in near_users:
        raised += alert_raise(
            tenant=tenant, kind=AlertKind.USAGE_NEAR_LIMIT, dedup_key=f"usage:users:{tenant.pk}:{month}",
            message=f"{tenant.name} uses {tenant.current_users} of {tenant.max_users} users allowed by its plan.",
            detail={"limit": "users", "used": tenant.current_users, "max": tenant.max_users},
        ) is not None  # fmt: skip
    near_storage = Tenant.objects.filter(status=Tenant.Status.ACTIVE, max_storage_gb__gt=0).filter(
        current_storage_gb__gte=F("max_storage_gb") * USAGE_THRESHOLD
    )
    for tenant in near_storage:
        raised += alert_raise(
            tenant=tenant, kind=AlertKind.USAGE_NEAR_LIMIT, dedup_key=f"usage:storage:{tenant.pk}:{month}",
            message=f"{tenant.name} uses {tenant.current_storage_gb} GB of {tenant.max_storage_gb} GB of storage.",
            detail={"limit": "storage", "used": str(tenant.current_storage_gb), "max": str(tenant.max_storage_gb)},
        ) is not None  # fmt: skip
    return raised


def card_expires_at(method: PaymentMethod) -> datetime | None:
    """The end of the card's expiry month (a card is valid through its last day)."""
    if method.exp_year is None or method.exp_month is None:
        return None
    last_day = calendar.monthrange(method.exp_year, method.exp_month)[1]
    return datetime(method.exp_year, method.exp_month, last_day, tzinfo=UTC) + timedelta(days=1)


def _card_alerts(now: datetime) -> int:
    horizon = now + timedelta(days=CARD_EXPIRY_WARNING_DAYS)
    cards = PaymentMethod.objects.filter(
        kind=PaymentMethodKind.CARD, removed_at__isnull=True, exp_year__isnull=False, exp_month__isnull=False,
        exp_year__lte=horizon.year,
    ).select_related("tenant")  # fmt: skip
    raised = 0
    for card in cards:
        expires = card_expires_at(card)
        if expires is None or not now < expires <= horizon:
            continue
        raised += alert_raise(
            tenant=card.tenant, kind=AlertKind.CARD_EXPIRING,
            dedup_key=f"card_expiring:{card.pk}:{card.exp_year}-{card.exp_month:02d}",
            message=f"The card {card} expires at the end of {card.exp_month:02d}/{card.exp_year}.",
            detail={"payment_method": str(card.uuid), "exp_month": card.exp_month, "exp_year": card.exp_year},
        ) is not None  # fmt: skip
    return raised


def alerts_run(*, now: datetime | None = None) -> dict[str, int]:
    """Daily: raise usage and card-expiry alerts (failed-payment alerts are raised by each attempt)."""
    now = now or timezone.now()
    with transaction.atomic():
        usage = _usage_alerts(now)
        cards = _card_alerts(now)
    return {"usage_near_limit": usage, "card_expiring": cards}
