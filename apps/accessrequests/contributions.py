"""What access requests add: the "access.request" approval kind, its pages and API, events, notices, demo."""

from apps.core.contributions import (
    ApprovalKind,
    DemoStep,
    Hook,
    MenuEntry,
    Notice,
    NotificationCategory,
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
        "access.request", "Access request", subject_model="accessrequests.AccessRequest",
        on_decision="apps.accessrequests.approval.on_decision",
        subject_fields="apps.accessrequests.approval.subject_fields",
        fields=(("kind", "str"), ("role", "str"), ("entity", "str"), ("solution", "str")),
        describe="apps.accessrequests.approval.describe", sample="apps.accessrequests.approval.sample",
        url_name="accessrequests:detail", order=10,
    ),
    PortalUrls("manage/access-requests/", "apps.accessrequests.portal.urls", order=95),
    MenuEntry("Access requests", "accessrequests:list", admin_only=False, order=75, group="Access"),
    TenantApiUrls("apps.accessrequests.api.urls", order=65),
    ScopeFamily("access_requests", "Access requests", ("read",), order=65),
    WebhookEventType(
        "access_request.approved", "An access request was approved (the role or solution was given).",
        sample_payload="apps.accessrequests.payloads.sample_payload", order=200,
    ),
    WebhookEventType(
        "access_request.rejected", "An access request was rejected (with the approver's reason).",
        sample_payload="apps.accessrequests.payloads.sample_payload", order=201,
    ),
    TimelineSource(tenant_schema_history("accessrequests.HistoricalAccessRequest"), order=135),
    NotificationCategory(
        "access_requests", "Access requests", description="The answer to the access you asked for.", order=60
    ),
    Notice(
        "access_request.approved", "access_requests", "apps.accessrequests.notices.requester",
        title="Access granted: {{ what }}",
        body="Your request for {{ what }} was approved. You can use it now.",
        url="apps.accessrequests.notices.url", description="Tells the requester what they were given.",
    ),
    Notice(
        "access_request.rejected", "access_requests", "apps.accessrequests.notices.requester",
        title="Access request declined: {{ what }}",
        body="Your request for {{ what }} was declined."
             "{% if decision_reason %} Reason: {{ decision_reason }}{% endif %}",
        url="apps.accessrequests.notices.url", description="Tells the requester why their request was declined.",
    ),
    DemoStep("accessrequests", "apps.accessrequests.demo.demo_seed", order=60),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.accessrequests.personal_data.person_export"))  # apps.gdpr.export
