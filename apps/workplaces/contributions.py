"""What workplaces adds: the workplace pages (Workforce), API and scope, webhook events, history, demo sites."""

from apps.core.contributions import (
    DemoStep,
    MenuEntry,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

contribute(
    PortalUrls("manage/workplaces/", "apps.workplaces.portal.urls", order=110),
    MenuEntry("Workplaces", "workplaces:list", admin_only=True, order=20, group="Workforce"),
    TenantApiUrls("apps.workplaces.api.urls", order=80),
    ScopeFamily("workplaces", "Workplaces", ("read", "write"), order=80),
    WebhookEventType("workplace.created", "A workplace (region, area or site) was created.",
                     sample_payload="apps.workplaces.payloads.sample_payload", order=200),
    WebhookEventType("workplace.updated", "A workplace, or a site's geofence, was changed or deactivated.",
                     sample_payload="apps.workplaces.payloads.sample_payload", order=201),
    TimelineSource(tenant_schema_history("workplaces.HistoricalWorkplace"), order=180),
    TimelineSource(tenant_schema_history("workplaces.HistoricalGeofence"), order=181),
    TimelineSource(tenant_schema_history("workplaces.HistoricalDepartment"), order=182),
    DemoStep("workplaces", "apps.workplaces.demo.demo_seed", order=60),
)  # fmt: skip
