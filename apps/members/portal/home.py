"""The portal home block of members (PortalHomeBlock in contributions.py): seats used of the plan."""

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from apps.accounts.models import Membership
from apps.accounts.services import SEAT_STATUSES

NEARLY_FULL = 0.9


def home_context(request: HttpRequest) -> dict[str, Any]:
    """Seats used (active and suspended members, the rule of `tenant_seats_check`) of the tenant's
    limit, and the suspended members: one aggregate query over this tenant's memberships."""
    tenant = request.tenant  # type: ignore[attr-defined]
    counts = Membership.objects.filter(tenant=tenant, status__in=SEAT_STATUSES).aggregate(
        used=Count("pk"), suspended=Count("pk", filter=Q(status=Membership.Status.SUSPENDED))
    )
    limit = tenant.max_users or 0
    used = counts["used"]
    percent = min(100, round(100 * used / limit)) if limit else 0
    full = bool(limit) and used >= limit
    nearly = bool(limit) and used >= limit * NEARLY_FULL
    return {
        "used": used,
        "limit": limit,
        "free": max(limit - used, 0),
        "percent": percent,
        "suspended": counts["suspended"],
        "full": full,
        "attention": "Full" if full else ("Nearly full" if nearly else ""),
        "empty": False,
    }
