"""What integrations adds: API keys and integration activations (pages, API), the api_keys scope, and
the API-key history in the timeline."""

from apps.core.contributions import (
    MenuEntry,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    TimelineSource,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

contribute(
    PortalUrls("manage/api-keys/", "apps.integrations.portal.urls", order=50),
    PortalUrls("manage/integrations/", "apps.integrations.portal.activation_urls", order=110),
    MenuEntry("Integrations", "integration-activations:list", admin_only=True, order=110, group="Developers"),
    MenuEntry("API keys", "api-keys:list", admin_only=True, order=120, group="Developers"),
    TenantApiUrls("apps.integrations.api.urls", order=40),
    # Keys may list keys; only a tenant admin (a person) may create or revoke them.
    ScopeFamily("api_keys", "API keys", ("read",), order=40),
    TimelineSource(tenant_schema_history("integrations.HistoricalApiKey"), order=160),
)
