"""What approvals adds: its notification categories and notices, webhook events, API, scope, history
in the timeline, the time-limit sweep (kinds come from the apps that own the subjects)."""

from apps.core.contributions import (
    Hook,
    Notice,
    NotificationCategory,
    PeriodicTask,
    ScopeFamily,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

N = "apps.approvals.notices"
SAMPLE = "apps.approvals.payloads.sample_request_payload"

contribute(
    NotificationCategory("approvals", "Approvals", description="Requests waiting for you and the outcome of yours.",
                         order=40),
    NotificationCategory("approval_escalations", "Approval escalations", critical=True,
                         description="Requests escalated to you because their time ran out.", order=41),
    Notice("approval.step_opened", "approvals", f"{N}.approvers", url=f"{N}.url",
           title="Approval needed: {{ summary }}",
           body="{{ kind_label }} “{{ summary }}” is waiting for your decision ({{ step.name }})."
                "{% if step.due_at %} Please decide by {{ step.due_at }}.{% endif %}",
           description="A step opened: its approvers are asked."),
    Notice("approval.reminder", "approvals", f"{N}.approvers", url=f"{N}.url",
           title="Reminder: {{ summary }} is waiting for you",
           body="{{ kind_label }} “{{ summary }}” still waits for your decision ({{ step.name }}).",
           description="A step's reminder time passed."),
    Notice("approval.escalated", "approval_escalations", f"{N}.escalation_targets", url=f"{N}.url",
           title="Escalated to you: {{ summary }}",
           body="{{ kind_label }} “{{ summary }}” was not decided in time and now waits for you ({{ step.name }}).",
           description="A step's time ran out and it went to the next manager or the fallback approver."),
    Notice("approval.approved", "approvals", f"{N}.requester", url=f"{N}.url",
           title="Approved: {{ summary }}", body="Your {{ kind_label|lower }} “{{ summary }}” was approved."),
    Notice("approval.rejected", "approvals", f"{N}.requester", url=f"{N}.url",
           title="Rejected: {{ summary }}",
           body="Your {{ kind_label|lower }} “{{ summary }}” was rejected."
                "{% if comment %} Reason: {{ comment }}{% endif %}"),
    Notice("approval.returned", "approvals", f"{N}.requester", url=f"{N}.url",
           title="Returned for changes: {{ summary }}",
           body="Your {{ kind_label|lower }} “{{ summary }}” was returned for changes: {{ comment }}"),
    Notice("approval.cancelled", "approvals", f"{N}.pending_approvers_of_cancelled", url=f"{N}.url",
           title="Cancelled: {{ summary }}", body="“{{ summary }}” was cancelled by the requester; nothing to decide."),
    Notice("approval.commented", "approvals", f"{N}.participants", url=f"{N}.url",
           title="New comment on {{ summary }}", body="{{ comment }}"),
    WebhookEventType("approval.submitted", "An approval request was submitted.", SAMPLE, order=300),
    WebhookEventType("approval.approved", "An approval request was approved.", SAMPLE, order=301),
    WebhookEventType("approval.rejected", "An approval request was rejected.", SAMPLE, order=302),
    WebhookEventType("approval.returned", "An approval request was returned for changes.", SAMPLE, order=303),
    WebhookEventType("approval.cancelled", "An approval request was cancelled by its requester.", SAMPLE, order=304),
    TenantApiUrls("apps.approvals.api.urls", order=140),
    ScopeFamily("approvals", "Approvals", ("read", "write"), order=140),
    TimelineSource(tenant_schema_history("approvals.HistoricalApprovalRequest"), order=160),
    TimelineSource(tenant_schema_history("approvals.HistoricalApprovalWorkflow"), order=161),
    TimelineSource(tenant_schema_history("approvals.HistoricalDelegation"), order=162),
    PeriodicTask(
        "approvals.sweep_time_limits", "approvals.sweep_time_limits", interval=(5, "minutes"),
        description="Remind approvers and escalate, approve or reject approval steps past their time limit, "
                    "in the tenants that have something due.",
    ),
)  # fmt: skip

# --- portal ---
# The approvals pages (apps/approvals/portal/, templates/approvals/): inbox, my requests, delegations
# for every member (the inbox sits at the top of the menu, beside Overview); the workflow editor for
# tenant admins. The home block shows only when something waits for the person.
from apps.core.contributions import MenuEntry, PortalHomeBlock, PortalUrls  # noqa: E402

contribute(
    PortalUrls("manage/approvals/", "apps.approvals.portal.urls", order=96),
    MenuEntry("Approvals", "approvals:inbox", admin_only=False, order=20, group=""),  # everyone's inbox, at the top
    MenuEntry("Approval workflows", "approvals:workflows", admin_only=True, order=11, group="Workforce"),
    PortalHomeBlock("approvals", "portal/home/approvals.html", "apps.approvals.portal.home.home_context",
                    order=100, admin_only=False),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.approvals.personal_data.person_export"))  # apps.gdpr.export
