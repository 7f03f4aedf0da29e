"""What the reporting app adds. Report definitions over forms, attendance, leave, tasks and operations; HTML,
CSV, XLSX and PDF; scheduled delivery. The `reports` scope family and notification category are declared by
the forms app.
"""

from apps.core.contributions import (
    DemoStep,
    Hook,
    MenuEntry,
    Notice,
    PeriodicTask,
    PortalUrls,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

SAMPLE = "apps.reporting.payloads.sample_payload"

contribute(
    # A report run whose worker died is queued again before apps.core.jobs re-sends it.
    Hook("jobs.requeue:reporting.run_execute", "apps.reporting.tasks.run_execute_requeue"),
    PortalUrls("manage/reports/", "apps.reporting.portal.urls", order=131),
    MenuEntry("Generated reports", "reporting:definitions", order=67, group="Workforce", solution="reports"),
    TenantApiUrls("apps.reporting.api.urls", prefix="reports/", order=99),
    WebhookEventType("report.generated", "A report file was generated (on demand or for a schedule).",
                     sample_payload=SAMPLE, order=290),
    WebhookEventType("report.delivered", "A scheduled report was sent to its recipients.",
                     sample_payload=SAMPLE, order=291),
    WebhookEventType("report.failed", "A scheduled or requested report failed after its retries.",
                     sample_payload=SAMPLE, order=292),
    TimelineSource(tenant_schema_history("reporting.HistoricalReportDefinition"), order=240),
    TimelineSource(tenant_schema_history("reporting.HistoricalReportSchedule"), order=241),
    TimelineSource(tenant_schema_history("reporting.HistoricalExternalRecipient"), order=242),
    Notice(
        "report.delivered", "reports", "apps.reporting.notices.members", channels=("in_app",),
        title="Report ready: {{ title }}", body="Your scheduled report {{ title }} ({{ occurrence }}) is ready.",
        url="apps.reporting.notices.file_url", description="Tells the member recipients a scheduled report is ready.",
    ),
    Notice(
        "report.failed", "reports", "apps.reporting.notices.owner",
        title="Report failed: {{ title }}",
        body="The report {{ title }}{% if occurrence %} due {{ occurrence }}{% endif %} failed after {{ attempts }} "
             "attempts: {{ error }}",
        url="apps.reporting.notices.run_url", description="Tells a schedule's owner its report could not be sent.",
    ),
    PeriodicTask("reporting.schedules_due", "reporting.schedules_due", interval=(5, "minutes"),
                 description="Makes the runs of due scheduled reports (once per occurrence) and retries failed "
                             "ones (tenants with Reports)."),
    DemoStep("reporting", "apps.reporting.demo.demo_seed", order=75),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.reporting.personal_data.person_export"))  # apps.gdpr.export
