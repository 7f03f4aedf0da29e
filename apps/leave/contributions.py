"""What leave adds: the "leave.request" approval kind, availability for approvals, pages, API, events,
notices, history, the daily accrual and demo data."""

from apps.core.contributions import (
    ApprovalKind,
    AvailabilityProvider,
    DemoStep,
    Hook,
    MenuEntry,
    Notice,
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
    ApprovalKind(
        "leave.request", "Leave request", subject_model="leave.LeaveRequest",
        on_decision="apps.leave.approval.on_decision", subject_fields="apps.leave.approval.subject_fields",
        fields=(("type", "str"), ("paid", "bool"), ("minutes", "int"), ("days", "int"), ("calendar_days", "int"),
                ("start_date", "date")),
        describe="apps.leave.approval.describe", sample="apps.leave.approval.sample", order=20,
    ),
    AvailabilityProvider("leave", "apps.leave.availability.away", order=10),
    PortalUrls("manage/leave/", "apps.leave.portal.urls", order=112),
    # Tenant admins; members reach leave through the "Leave" solution entry (apps.solutions.navigation),
    # which a member without access to the solution does not see either.
    MenuEntry("Leave", "leave:home", order=40, group="Workforce", solution="leave"),
    TenantApiUrls("apps.leave.api.urls", order=91),
    ScopeFamily("leave", "Leave", ("read", "write"), order=91),
    WebhookEventType("leave.requested", "A leave request was submitted for approval.",
                     sample_payload="apps.leave.payloads.sample_payload", order=230),
    WebhookEventType("leave.approved", "A leave request was approved (the balance was charged).",
                     sample_payload="apps.leave.payloads.sample_payload", order=231),
    WebhookEventType("leave.rejected", "A leave request was rejected (with the approver's reason).",
                     sample_payload="apps.leave.payloads.sample_payload", order=232),
    WebhookEventType("leave.cancelled", "A leave request was cancelled, whole or from a date (minutes returned).",
                     sample_payload="apps.leave.payloads.sample_payload", order=233),
    TimelineSource(tenant_schema_history("leave.HistoricalLeaveRequest"), order=190),
    TimelineSource(tenant_schema_history("leave.HistoricalLeaveType"), order=191),
    TimelineSource(tenant_schema_history("leave.HistoricalLeavePolicy"), order=192),
    NotificationCategory("leave", "Leave", description="The answer to the leave you asked for.", order=71),
    Notice(
        "leave.approved", "leave", "apps.leave.notices.requester",
        title="Leave approved: {{ what }}", body="Your leave ({{ what }}) was approved. Enjoy it.",
        url="apps.leave.notices.url", description="Tells the person their leave was approved.",
    ),
    Notice(
        "leave.rejected", "leave", "apps.leave.notices.requester",
        title="Leave declined: {{ what }}",
        body="Your leave request ({{ what }}) was declined.{% if decision_reason %} Reason: {{ decision_reason }}"
             "{% endif %}",
        url="apps.leave.notices.url", description="Tells the person why their leave was declined.",
    ),
    PeriodicTask("leave.accrue", "leave.accrue", crontab={"minute": "15", "hour": "1"},
                 description="Leave accruals, year-end carry-over and expiry in the tenants with leave (exactly "
                             "once per person, type and period, however often it runs)."),
    DemoStep("leave", "apps.leave.demo.demo_seed", order=62),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.leave.personal_data.person_export"))  # apps.gdpr.export
