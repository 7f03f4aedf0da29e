"""The portal home block of webhooks (PortalHomeBlock in contributions.py): endpoints that fail."""

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from apps.webhooks.selectors import tenant_endpoints

SHOWN = 3


def home_context(request: HttpRequest) -> dict[str, Any] | None:
    """Endpoints disabled after failures, or failing now (consecutive failures): one aggregate query,
    plus one for the few names shown when some fail. None (no block) when the tenant has no endpoint."""
    endpoints = tenant_endpoints(request.tenant)  # type: ignore[attr-defined]
    failing_q = Q(enabled=False) | Q(consecutive_failures__gt=0)
    counts = endpoints.aggregate(total=Count("pk"), failing=Count("pk", filter=failing_q))
    if not counts["total"]:
        return None
    failing = (
        list(endpoints.filter(failing_q).order_by("-consecutive_failures", "-updated_at")
             .only("uuid", "url", "enabled", "consecutive_failures")[:SHOWN])
        if counts["failing"] else []
    )  # fmt: skip
    return {**counts, "endpoints": failing, "attention": counts["failing"], "empty": not counts["failing"]}
