"""The portal home block of invitations (PortalHomeBlock in contributions.py): pending invitations."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from apps.invitations.models import Invitation, InvitationStatus

EXPIRING_HOURS = 48


def home_context(request: HttpRequest) -> dict[str, Any]:
    """Pending invitations of this tenant, those expiring within two days, and those already past
    their expiry but not yet swept: one aggregate query (the tenant_status index)."""
    now = timezone.now()
    counts = Invitation.objects.filter(tenant=request.tenant, status=InvitationStatus.PENDING).aggregate(  # type: ignore[attr-defined]
        pending=Count("pk", filter=Q(expires_at__gt=now)),
        expiring=Count("pk", filter=Q(expires_at__gt=now, expires_at__lte=now + dt.timedelta(hours=EXPIRING_HOURS))),
        lapsed=Count("pk", filter=Q(expires_at__lte=now)),
    )
    return {**counts, "attention": counts["expiring"] + counts["lapsed"], "empty": not any(counts.values())}
