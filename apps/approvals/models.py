"""Approvals (tenant schema): workflows per request kind, requests with their steps, who is asked,
the trail of everything that happened, and delegations (docs/approvals.md).

- An `ApprovalWorkflow` is the definition for one kind (at most one active per kind): ordered
  `ApprovalStepDefinition`s, each naming how its approvers are found (the requester's manager N
  levels up, a role scoped to the requester's entity, a team, named people), its rule (any, all, a
  quorum), an optional condition on the request's fields, and a time limit.
- An `ApprovalRequest` snapshots the definition when it is submitted (later edits leave it alone)
  and the subject's fields; its `ApprovalStep`s open one after the other, and each open step's
  approvers are resolved then, into `ApprovalAssignment`s (the inbox reads those).
- `ApprovalEvent` is the append-only trail: every action and every routing decision, with why.
- A `Delegation` hands one person's approvals (all kinds or some) to another for a date range.

Steps and assignments carry no simple-history table: the trail records each change with its actor
and reason, and history rows on the hottest tables would double every write.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q

from apps.audit.history import history_records
from apps.core.correlation import correlation_id_field


class ApproverType(models.TextChoices):
    MANAGER = "manager", "The requester's manager"
    ROLE = "role", "People holding a role over the requester's entity"
    TEAM = "team", "The members of a team"
    PEOPLE = "people", "Named people"


class StepRule(models.TextChoices):
    ANY = "any", "Any one approver"
    ALL = "all", "All approvers"
    QUORUM = "quorum", "A quorum of approvers"


class TimeoutAction(models.TextChoices):
    ESCALATE = "escalate", "Escalate"
    APPROVE = "approve", "Approve automatically"
    REJECT = "reject", "Reject automatically"


class ApprovalWorkflow(models.Model):
    """The approval definition of one kind of request (kinds are contributed: `ApprovalKind`)."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=100, help_text="The ApprovalKind name, e.g. “access_request”.")
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True, default="")
    is_active = models.BooleanField(default=True, help_text="New requests of the kind use the active workflow.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = history_records()

    class Meta:
        ordering = ["kind", "-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(is_active=True), name="approvals_workflow_one_active_per_kind",
                violation_error_message="Another workflow is already active for this kind of request.",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class ApprovalStepDefinition(models.Model):
    """One step of a workflow: who approves, by which rule, when, and how long they have."""

    ApproverType = ApproverType
    Rule = StepRule
    OnTimeout = TimeoutAction

    id = models.BigAutoField(primary_key=True)
    workflow = models.ForeignKey(ApprovalWorkflow, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(help_text="1 for the first step.")
    name = models.CharField(max_length=150)
    approver_type = models.CharField(max_length=20, choices=ApproverType.choices)
    manager_levels = models.PositiveSmallIntegerField(default=1, help_text="Manager steps: how many levels up.")
    role = models.ForeignKey("access.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("organisation.Entity", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    people = ArrayField(models.UUIDField(), default=list, blank=True, help_text="User ids (people steps).")
    rule = models.CharField(max_length=20, choices=StepRule.choices, default=StepRule.ANY)
    quorum = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Quorum steps: approvals needed.")
    condition = models.JSONField(
        encoder=DjangoJSONEncoder,
        null=True,
        blank=True,
        help_text='Run the step only when {"field", "op", "value"} holds on the request.',
    )
    time_limit_hours = models.PositiveIntegerField(null=True, blank=True)
    reminder_hours = models.PositiveIntegerField(null=True, blank=True, help_text="Remind once, after this long.")
    on_timeout = models.CharField(max_length=20, choices=TimeoutAction.choices, default=TimeoutAction.ESCALATE)
    fallback_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Who gets the step when nobody else can approve it, or when it escalates.",
    )  # fmt: skip

    history = history_records()

    class Meta:
        ordering = ["workflow_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "position"], name="approvals_stepdef_position_unique"),
            models.CheckConstraint(condition=Q(position__gte=1), name="approvals_stepdef_position_positive"),
            models.CheckConstraint(
                condition=Q(approver_type__in=ApproverType.values), name="approvals_stepdef_approver_type_valid"
            ),
            models.CheckConstraint(condition=Q(rule__in=StepRule.values), name="approvals_stepdef_rule_valid"),
            models.CheckConstraint(
                condition=Q(on_timeout__in=TimeoutAction.values), name="approvals_stepdef_on_timeout_valid"
            ),
            models.CheckConstraint(condition=Q(manager_levels__gte=1), name="approvals_stepdef_manager_levels"),
            models.CheckConstraint(
                condition=Q(rule="quorum", quorum__gte=1) | (~Q(rule="quorum") & Q(quorum__isnull=True)),
                name="approvals_stepdef_quorum_iff_rule",
                violation_error_message="A quorum is given for quorum steps only, and is at least 1.",
            ),
            models.CheckConstraint(
                condition=~Q(approver_type="role") | Q(role__isnull=False), name="approvals_stepdef_role_given"
            ),
            models.CheckConstraint(
                condition=~Q(approver_type="team") | Q(team__isnull=False), name="approvals_stepdef_team_given"
            ),
            models.CheckConstraint(
                condition=~Q(approver_type="people") | Q(people__len__gte=1), name="approvals_stepdef_people_given"
            ),
            models.CheckConstraint(
                condition=Q(time_limit_hours__isnull=True) | Q(time_limit_hours__gte=1),
                name="approvals_stepdef_time_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(reminder_hours__isnull=True) | Q(reminder_hours__gte=1),
                name="approvals_stepdef_reminder_positive",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETURNED = "returned", "Returned for changes"
    CANCELLED = "cancelled", "Cancelled"


OPEN_REQUEST_STATUSES = (RequestStatus.PENDING, RequestStatus.RETURNED)


class ApprovalRequest(models.Model):
    """A request for approval of one subject (an object of the app that contributed the kind)."""

    Status = RequestStatus

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=100)
    subject_model = models.CharField(max_length=100, help_text="“app_label.ModelName” of the subject.")
    subject_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=255, blank=True, default="")
    fields = models.JSONField(
        encoder=DjangoJSONEncoder, default=dict, blank=True, help_text="The subject's fields when it was submitted."
    )
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    round = models.PositiveSmallIntegerField(default=1, help_text="1, then one more each time it is resubmitted.")
    current_position = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The open step's position.")
    workflow = models.ForeignKey(ApprovalWorkflow, on_delete=models.PROTECT, related_name="requests")
    steps_snapshot = models.JSONField(
        encoder=DjangoJSONEncoder, default=list, help_text="The workflow's steps as they were at submission."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    correlation_id = correlation_id_field()

    history = history_records(excluded_fields=["fields", "steps_snapshot"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_model", "subject_id"], condition=Q(status__in=OPEN_REQUEST_STATUSES),
                name="approvals_request_one_open_per_subject",
                violation_error_message="This subject already has an open request of this kind.",
            ),
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="approvals_request_status_valid"),
            models.CheckConstraint(
                condition=Q(status__in=OPEN_REQUEST_STATUSES, decided_at__isnull=True)
                | (~Q(status__in=OPEN_REQUEST_STATUSES) & Q(decided_at__isnull=False)),
                name="approvals_request_decided_when_closed",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["requester", "-created_at"], name="approvals_request_requester"),
            models.Index(fields=["kind", "status"], name="approvals_request_kind_status"),
        ]

    def __str__(self) -> str:
        return self.summary or f"{self.kind} {self.subject_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class StepStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SKIPPED = "skipped", "Skipped"
    EXPIRED = "expired", "Expired"  # closed without a decision: returned, cancelled or another step decided


class ApprovalStep(models.Model):
    """One step of one round of a request, copied from the snapshot; its approvers are resolved when it opens."""

    Status = StepStatus

    id = models.BigAutoField(primary_key=True)
    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=150)
    rule = models.CharField(max_length=20, choices=StepRule.choices, default=StepRule.ANY)
    quorum = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.WAITING)
    opened_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(default=0)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request_id", "round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "round", "position"], name="approvals_step_position_unique"),
            models.CheckConstraint(condition=Q(status__in=StepStatus.values), name="approvals_step_status_valid"),
            models.CheckConstraint(condition=Q(rule__in=StepRule.values), name="approvals_step_rule_valid"),
            models.CheckConstraint(
                condition=Q(rule="quorum", quorum__gte=1) | (~Q(rule="quorum") & Q(quorum__isnull=True)),
                name="approvals_step_quorum_iff_rule",
            ),
            models.CheckConstraint(
                condition=~Q(status="open") | Q(opened_at__isnull=False), name="approvals_step_opened_when_open"
            ),
        ]
        indexes = [
            # The time-limit sweep: open steps past their due or reminder time.
            models.Index(fields=["due_at"], condition=Q(status="open"), name="approvals_step_due"),
            models.Index(
                fields=["remind_at"], condition=Q(status="open", reminded_at__isnull=True), name="approvals_step_remind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "No longer needed"


class ApprovalAssignment(models.Model):
    """One person asked to decide one step (possibly on behalf of someone who delegated to them).

    `request` is denormalised from the step so the inbox is one indexed join: an assignment is
    `pending` exactly while its step is open and the person has not acted."""

    Status = AssignmentStatus

    id = models.BigAutoField(primary_key=True)
    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="assignments")
    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="assignments")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The person who delegated to the approver, or who was away.",
    )  # fmt: skip
    reason = models.CharField(max_length=500, blank=True, default="", help_text="Why this person was asked.")
    created_at = models.DateTimeField(auto_now_add=True)
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["step_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["step", "approver"], name="approvals_assignment_unique"),
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values), name="approvals_assignment_status_valid"
            ),
        ]
        indexes = [
            # The inbox: "waiting for me", newest first.
            models.Index(fields=["approver", "status", "-created_at"], name="approvals_assignment_inbox"),
            models.Index(fields=["request", "approver"], name="approvals_assignment_request"),
        ]

    def __str__(self) -> str:
        return f"{self.approver_id} on step {self.step_id}"


class EventAction(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    ROUTED = "routed", "Routed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RETURNED = "returned", "Returned for changes"
    RESUBMITTED = "resubmitted", "Resubmitted"
    CANCELLED = "cancelled", "Cancelled"
    COMMENTED = "commented", "Commented"
    REMINDED = "reminded", "Reminded"
    ESCALATED = "escalated", "Escalated"
    AUTO_APPROVED = "auto_approved", "Approved automatically"
    AUTO_REJECTED = "auto_rejected", "Rejected automatically"
    SKIPPED = "skipped", "Skipped"


class ApprovalEvent(models.Model):
    """One line of a request's trail (append-only: the services only ever insert)."""

    Action = EventAction

    id = models.BigAutoField(primary_key=True)
    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="events")
    step = models.ForeignKey(ApprovalStep, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty: the system (routing, time limits).",
    )  # fmt: skip
    action = models.CharField(max_length=20, choices=EventAction.choices)
    comment = models.TextField(blank=True, default="", help_text="The comment, or the reason given.")
    detail = models.JSONField(encoder=DjangoJSONEncoder, default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    correlation_id = correlation_id_field()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=EventAction.values), name="approvals_event_action_valid"),
        ]
        indexes = [models.Index(fields=["request", "created_at"], name="approvals_event_request")]

    def __str__(self) -> str:
        return f"{self.action} on {self.request_id}"


class Delegation(models.Model):
    """`delegator`'s approvals (of `kinds`, or all kinds when empty) go to `delegate` between two dates."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    delegator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kinds = ArrayField(models.CharField(max_length=100), default=list, blank=True, help_text="Empty: every kind.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = history_records()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="approvals_delegation_ends_after_start",
                violation_error_message="A delegation cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(delegator=F("delegate")), name="approvals_delegation_not_to_self",
                violation_error_message="Nobody delegates to themselves.",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(
                fields=["delegator", "starts_on", "ends_on"], condition=Q(revoked_at__isnull=True),
                name="approvals_delegation_active",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate} ({self.starts_on} to {self.ends_on})"
