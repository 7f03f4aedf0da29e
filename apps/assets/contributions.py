"""What assets and maintenance add: the register, labels, plans and maintenance calendar in the portal
(/manage/assets/), the API under /api/v1/operations/ with the `operations` scope family (incidents and
inspections use it too), webhook events, the "operations" notification category, history in the
timeline, the beat task that makes work orders ahead, and Acme's demo assets."""

from apps.core.contributions import (
    DemoStep,
    Hook,
    MenuEntry,
    NotificationCategory,
    PeriodicTask,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

contribute(
    PortalUrls("manage/assets/", "apps.assets.portal.urls", order=100),
    TenantApiUrls("apps.assets.api.urls", prefix="operations/", order=100),
    MenuEntry("Assets", "assets:list", order=50, group="Workforce", solution="workplaces"),
    MenuEntry("Maintenance calendar", "assets:calendar", order=51, group="Workforce", solution="workplaces"),
    ScopeFamily("operations", "Workplace operations: assets, maintenance, incidents, inspections", ("read", "write"),
                order=160),
    WebhookEventType("asset.created", "An asset was added to the register.",
                     sample_payload="apps.assets.payloads.sample_asset", order=600),
    WebhookEventType("asset.status_changed", "An asset's status changed (active, in repair, retired, lost).",
                     sample_payload="apps.assets.payloads.sample_asset", order=601),
    WebhookEventType("maintenance.work_order_created", "A maintenance plan made a work order (a task) for an asset.",
                     sample_payload="apps.assets.payloads.sample_work_order", order=602),
    NotificationCategory("operations", "Workplace operations",
                         description="Incidents and inspections that concern you (maintenance work orders are "
                                     "tasks: the Tasks category tells their assignee)."),
    # No notice for maintenance.work_order_created: a work order is a task, and the task engine's
    # task.assigned notice already tells its assignee (a second one here told them twice).
    TimelineSource(tenant_schema_history("assets.HistoricalAsset"), order=230),
    TimelineSource(tenant_schema_history("assets.HistoricalMaintenancePlan"), order=231),
    PeriodicTask("assets.maintenance_generate", "assets.maintenance_generate", interval=(1, "hours"),
                 description="Make the work orders of time-based maintenance plans due within each plan's lead time "
                             "(exactly once per plan, asset and occurrence)."),
    DemoStep("assets", "apps.assets.demo.demo_seed", order=68),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.assets.personal_data.person_export"))  # apps.gdpr.export
