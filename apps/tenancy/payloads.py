"""Event payloads of tenants (published with apps.core.events; webhooks send them as-is)."""

from typing import Any

# The statuses that are events; other moves publish nothing.
TENANT_EVENTS = {"active": "tenant.activated", "suspended": "tenant.suspended"}


def tenant_status_event(tenant: Any) -> tuple[str, dict[str, Any]] | None:
    """(event, payload) for a tenant that just moved to an event status (tenant.activated /
    tenant.suspended); None for other moves."""
    event = TENANT_EVENTS.get(tenant.status)
    if event is None:
        return None
    return event, {"id": str(tenant.pk), "slug": tenant.slug, "name": tenant.name, "status": tenant.status}
