"""What policy adds: the security policy pages and their history."""

from apps.core.contributions import MenuEntry, PortalUrls, TimelineSource, contribute
from apps.timeline.sources import tenant_schema_history

contribute(
    PortalUrls("manage/security-policy/", "apps.policy.portal.urls", order=120),
    MenuEntry("Security policy", "policy:overview", order=130),
    TimelineSource(tenant_schema_history("policy.HistoricalSecurityPolicy"), order=150),
)
