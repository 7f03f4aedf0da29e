"""What the forms app adds. Form templates built in the portal, versioned; submissions from the mobile app and
the portal; review (the `forms.submission` approval kind); per-field analytics (apps/formstats).

Also: the `reports` scope family and notification category (shared with formstats and reporting), the
portal pages under manage/reports/forms/, the API under /api/v1/reports/forms/, webhook events and notices,
history on the timeline, the `tasks.completion_check` answer (a task template that requires a form), demo data.
"""

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

SUBMISSION = "apps.forms.payloads.submission_sample"
WHERE = "{% if workplace %} at {{ workplace.name }}{% endif %}"

contribute(
    ScopeFamily("reports", "Reports: forms, submissions, analytics and generated reports", ("read", "write"), order=98),
    NotificationCategory("reports", "Reports", order=78,
                         description="Forms to fill in, submissions to review, reports delivered."),
    ApprovalKind(
        "forms.submission", "Form submission", subject_model="forms.Submission",
        on_decision="apps.forms.services.approval_on_decision", subject_fields="apps.forms.services.approval_fields",
        fields=(("template", "str"), ("version", "int"), ("workplace", "str")),
        describe="apps.forms.services.approval_describe", sample="apps.forms.services.approval_sample",
        url_name="forms:submission", order=40,
    ),
    PortalUrls("manage/reports/forms/", "apps.forms.portal.urls", order=140),
    MenuEntry("Forms", "forms:templates", order=70, group="Workforce", solution="reports"),
    MenuEntry("Submissions", "forms:submissions", order=71, group="Workforce", solution="reports"),
    TenantApiUrls("apps.forms.api.urls", prefix="reports/", order=110),
    WebhookEventType("form.published", "A form template was published as a new version.",
                     sample_payload="apps.forms.payloads.template_sample", order=300),
    WebhookEventType("submission.submitted", "A form was filled in and sent.", sample_payload=SUBMISSION, order=301),
    WebhookEventType("submission.approved", "A submission was approved by its reviewer.", sample_payload=SUBMISSION,
                     order=302),
    WebhookEventType("submission.rejected", "A submission was rejected (note: why).", sample_payload=SUBMISSION,
                     order=303),
    TimelineSource(tenant_schema_history("forms.HistoricalFormTemplate"), order=240),
    TimelineSource(tenant_schema_history("forms.HistoricalSubmission"), order=241),
    TimelineSource(tenant_schema_history("forms.HistoricalSubmissionComment"), order=242),
    TimelineSource(tenant_schema_history("forms.HistoricalTaskTemplateForm"), order=243),
    Notice(
        "submission.submitted", "reports", "apps.forms.notices.reviewers",
        title="To review: {{ template }}", body=f"A “{{{{ template }}}}” submission{WHERE} is waiting for review.",
        url="apps.forms.notices.url", description="Tells the submitter's manager (or admins) when no workflow does.",
    ),
    Notice(
        "submission.approved", "reports", "apps.forms.notices.submitter",
        title="Approved: {{ template }}", body=f"Your “{{{{ template }}}}” submission{WHERE} was approved.",
        url="apps.forms.notices.url", description="Tells the submitter their submission was approved.",
    ),
    Notice(
        "submission.rejected", "reports", "apps.forms.notices.submitter",
        title="Rejected: {{ template }}",
        body=f"Your “{{{{ template }}}}” submission{WHERE} was rejected: {{{{ note }}}}",
        url="apps.forms.notices.url", description="Tells the submitter their submission was rejected, and why.",
    ),
    Notice(
        "submission.commented", "reports", "apps.forms.notices.submitter_unless_author",
        title="Comment on your {{ template }}", body="{{ comment }}",
        url="apps.forms.notices.url", description="Tells the submitter someone commented on their submission.",
    ),
    Hook("tasks.completion_check", "apps.forms.services.task_completion_check"),
    DemoStep("forms", "apps.forms.demo.demo_seed", order=75),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.forms.personal_data.person_export"))  # apps.gdpr.export
