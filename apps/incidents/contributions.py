"""What incidents add: the register and incident pages, the API under operations/incidents/, events,
the "safety" notifications, history on the timeline, the regulator deadline beat and demo data. The
`operations` scope family is declared by the assets app."""

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

SAMPLE = "apps.incidents.payloads.sample_payload"
WHAT = "{{ reference }} {{ title }} at {{ workplace.name }}"

contribute(
    PortalUrls("manage/incidents/", "apps.incidents.portal.urls", order=126),
    MenuEntry("Incidents", "incidents:list", order=64, group="Workforce", solution="workplaces"),
    TenantApiUrls("apps.incidents.api.urls", prefix="operations/incidents/", order=96),
    WebhookEventType("incident.reported", "A safety incident was reported.", sample_payload=SAMPLE, order=270),
    WebhookEventType("incident.status_changed", "An incident moved along its workflow (from_status, note).",
                     sample_payload=SAMPLE, order=271),
    WebhookEventType("incident.closed", "An incident was closed (every corrective action done).",
                     sample_payload=SAMPLE, order=272),
    WebhookEventType("incident.regulator_due", "A notifiable incident's regulator deadline is near.",
                     sample_payload=SAMPLE, order=273),
    WebhookEventType("incident.regulator_overdue", "A notifiable incident's regulator deadline passed.",
                     sample_payload=SAMPLE, order=274),
    TimelineSource(tenant_schema_history("incidents.HistoricalIncident"), order=220),
    TimelineSource(tenant_schema_history("incidents.HistoricalIncidentPerson"), order=221),
    TimelineSource(tenant_schema_history("incidents.HistoricalIncidentAction"), order=222),
    NotificationCategory("safety", "Safety", description="Incidents reported, and regulator deadlines.", order=76),
    Notice(
        "incident.reported", "safety", "apps.incidents.notices.admins_if_serious", critical=True,
        title="{{ severity|capfirst }} incident: {{ title }}",
        body=f"{WHAT} was reported ({{{{ type }}}}).{{% if notifiable %}} It is notifiable to the regulator by "
             "{{ regulator_deadline }}.{% endif %}",
        url="apps.incidents.notices.url", description="Tells tenant admins at once of a high or critical incident.",
    ),
    Notice(
        "incident.reported", "safety", "apps.incidents.notices.admins_if_minor",
        title="Incident reported: {{ title }}", body=f"{WHAT} was reported ({{{{ severity }}}}, {{{{ type }}}}).",
        url="apps.incidents.notices.url", description="Tells tenant admins of a low or medium incident.",
    ),
    Notice(
        "incident.regulator_due", "safety", "apps.incidents.notices.admins", critical=True,
        title="Notify the regulator: {{ reference }}",
        body=f"{WHAT} must be notified to the regulator by {{{{ regulator_deadline }}}}.",
        url="apps.incidents.notices.url", description="Warns tenant admins before a regulator deadline.",
    ),
    Notice(
        "incident.regulator_overdue", "safety", "apps.incidents.notices.admins", critical=True,
        title="Regulator deadline passed: {{ reference }}",
        body=f"{WHAT} was due to be notified to the regulator by {{{{ regulator_deadline }}}} and is not recorded "
             "as notified.",
        url="apps.incidents.notices.url", description="Tells tenant admins a regulator deadline passed.",
    ),
    PeriodicTask("incidents.regulator_deadlines", "incidents.regulator_deadlines", interval=(15, "minutes"),
                 description="Warns once before each notifiable incident's regulator deadline and flags once each "
                             "deadline that passed (tenants with Workplaces)."),
    DemoStep("incidents", "apps.incidents.demo.demo_seed", order=69),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.incidents.personal_data.person_export"))  # apps.gdpr.export
