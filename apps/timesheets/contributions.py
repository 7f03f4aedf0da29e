"""What time entries add: the time pages under /manage/tasks/time/ (Workforce), the API under
/api/v1/tasks/time/ (scope family `tasks`, declared by the task engine), webhook events, entry history in
the timeline, and a week of demo entries for Acme's manager."""

from apps.core.contributions import (
    DemoStep,
    Hook,
    MenuEntry,
    PortalUrls,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

SAMPLE = "apps.timesheets.payloads.sample_payload"

contribute(
    # Before the task engine's "manage/tasks/" (a lower order is tried first).
    PortalUrls("manage/tasks/time/", "apps.timesheets.portal.urls", order=90),
    TenantApiUrls("apps.timesheets.api.urls", prefix="tasks/time/", order=90),
    MenuEntry("Time on tasks", "timesheets:mine", order=41, group="Workforce", solution="tasks"),
    WebhookEventType("time_entry.created", "Time was recorded on a task (a timer started, or a manual entry).",
                     sample_payload=SAMPLE, order=440),
    WebhookEventType("time_entry.updated", "A time entry changed (a timer stopped, or a correction).",
                     sample_payload=SAMPLE, order=441),
    WebhookEventType("time_entry.deleted", "A time entry was deleted.", sample_payload=SAMPLE, order=442),
    TimelineSource(tenant_schema_history("timesheets.HistoricalTimeEntry"), order=215),
    DemoStep("timesheets", "apps.timesheets.demo.demo_seed", order=67),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.timesheets.personal_data.person_export"))  # apps.gdpr.export
