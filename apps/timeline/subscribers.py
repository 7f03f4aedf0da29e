"""The timeline's domain-event subscriber (apps.core.events), registered by TimelineConfig.ready().

tenant.* events (tenant.activated, tenant.suspended) mean a tenant's status moved: the timeline
forgets what it memoised about that tenant's schema (selectors.tenant_schema_known), so the next
page looks again. Cheap, set-based (one pass per batch) and never a query.
"""

from typing import Any

from apps.core.events import subscribe

from .selectors import tenant_schema_forget


@subscribe("tenant.*")
def tenant_status_changed(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None:
    tenant_schema_forget({tenant.pk for tenant, _ in items if tenant is not None})
