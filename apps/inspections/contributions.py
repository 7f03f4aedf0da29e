"""What inspections add: the portal pages (Workforce, solution Workplaces), the API under
/api/v1/operations/inspections/ (scope family `operations`, declared by assets), webhook events, the
"inspections" notification category and the failed-inspection notice, template and schedule history
in the timeline, the generation beat task and Acme's demo."""

from apps.core.contributions import (
    DemoStep,
    Hook,
    MenuEntry,
    Notice,
    NotificationCategory,
    PeriodicTask,
    PortalUrls,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

contribute(
    TenantApiUrls("apps.inspections.api.urls", prefix="operations/inspections/", order=96),
    PortalUrls("manage/inspections/", "apps.inspections.portal.urls", order=96),
    MenuEntry("Inspections", "inspections:list", order=36, group="Workforce", solution="workplaces"),
    WebhookEventType("inspection.submitted", "An inspection was submitted (score, pass mark, passed).",
                     sample_payload="apps.inspections.payloads.sample_payload", order=430),
    WebhookEventType("inspection.failed_item", "An inspection item failed and opened its corrective task "
                     "(one event per failed item, sent as a batch).",
                     sample_payload="apps.inspections.payloads.sample_failed_item_payload", order=431),
    NotificationCategory("inspections", "Inspections", description="Inspections that did not pass.", order=330),
    Notice("inspection.submitted", "inspections", "apps.inspections.notices.admins_when_failed",
           url="apps.inspections.notices.result_url",
           title="Inspection failed: {{ template_name }} at {{ workplace_name }}",
           body="{{ template_name }} at {{ workplace_name }} scored {{ score }} % (pass mark {{ pass_mark }} %). "
                "Each failed item has opened a corrective task.",
           description="An inspection scored below its pass mark; the tenant admins are told."),
    TimelineSource(tenant_schema_history("inspections.HistoricalInspection"), order=196),
    TimelineSource(tenant_schema_history("inspections.HistoricalInspectionTemplate"), order=197),
    PeriodicTask("inspections.generate", "inspections.generate", interval=(1, "hours"),
                 description="Make each inspection schedule's due inspections for the next 14 days (exactly once "
                             "per occurrence)."),
    DemoStep("inspections", "apps.inspections.demo.demo_seed", order=70),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.inspections.personal_data.person_export"))  # apps.gdpr.export
