"""Support desk (public schema): tickets with SLA clocks, their messages (internal notes included),
attachments, canned responses, SLA policies and the assignment/status history of a ticket.

SLA clocks are stored as due times: `first_response_due_at` and `resolution_due_at` are computed
when the ticket opens (created_at + the target of the tenant's plan and the priority) and shift
forward by the time spent waiting on the customer when the ticket resumes. `paused_at` is set while
the ticket waits on the customer; `paused_seconds` accumulates the finished pauses.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.audit.history import history_records

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
AT_RISK_SHARE = 0.25  # "at risk": less than a quarter of the target is left


class TicketPriority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class TicketCategory(models.TextChoices):
    GENERAL = "general", "General question"
    TECHNICAL = "technical", "Technical problem"
    BILLING = "billing", "Billing"
    ACCOUNT = "account", "Account and access"
    FEATURE_REQUEST = "feature_request", "Feature request"


# Statuses whose SLA clocks run (waiting_on_customer pauses them; resolved/closed stop them).
RUNNING_STATUSES = [TicketStatus.OPEN, TicketStatus.IN_PROGRESS]
DONE_STATUSES = [TicketStatus.RESOLVED, TicketStatus.CLOSED]


class TicketQuerySet(models.QuerySet["Ticket"]):
    def first_response_breached_now(self, now: datetime) -> Q:
        return Q(status__in=RUNNING_STATUSES, first_responded_at__isnull=True, first_response_due_at__lt=now)

    def resolution_breached_now(self, now: datetime) -> Q:
        return Q(status__in=RUNNING_STATUSES, resolution_due_at__lt=now)

    def breached(self) -> "TicketQuerySet":
        return self.filter(Q(first_response_breached=True) | Q(resolution_breached=True))

    def at_risk(self, now: datetime) -> "TicketQuerySet":
        """Running clocks with less than 25 % of their target left (not yet breached)."""
        quarter = timedelta(seconds=60 * AT_RISK_SHARE)
        first = Q(
            first_responded_at__isnull=True,
            first_response_due_at__gt=now,
            first_response_due_at__lt=now + models.F("first_response_target_minutes") * quarter,
        )
        resolution = Q(
            resolution_due_at__gt=now, resolution_due_at__lt=now + models.F("resolution_target_minutes") * quarter
        )
        return self.filter(first | resolution, status__in=RUNNING_STATUSES)


class Ticket(models.Model):
    Priority = TicketPriority
    Status = TicketStatus
    Category = TicketCategory

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="support_tickets")
    number = models.CharField(max_length=20, unique=True, editable=False, help_text="e.g. TKT-000123.")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="support_tickets"
    )
    subject = models.CharField(max_length=200)
    description = models.TextField()
    priority = models.CharField(max_length=10, choices=TicketPriority.choices, default=TicketPriority.MEDIUM)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    category = models.CharField(max_length=20, choices=TicketCategory.choices, default=TicketCategory.GENERAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # SLA clocks (see the module docstring).
    first_response_target_minutes = models.PositiveIntegerField(default=0)
    resolution_target_minutes = models.PositiveIntegerField(default=0)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    first_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    correlation_id = models.CharField(max_length=128, blank=True, default="", db_index=True)

    history = history_records()
    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__in=TicketPriority.values), name="support_ticket_priority_valid"
            ),
            models.CheckConstraint(condition=Q(status__in=TicketStatus.values), name="support_ticket_status_valid"),
            models.CheckConstraint(
                condition=Q(category__in=TicketCategory.values), name="support_ticket_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=TicketStatus.WAITING_ON_CUSTOMER) | Q(paused_at__isnull=True),
                name="support_ticket_paused_only_when_waiting",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="support_ticket_tenant_created"),
            models.Index(fields=["status", "priority", "created_at"], name="support_ticket_queue"),
            models.Index(fields=["assignee", "status"], name="support_ticket_assignee"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES

    def _remaining(self, due: datetime | None, now: datetime) -> timedelta | None:
        if due is None:
            return None
        return due - (self.paused_at or now)

    def sla_state(self, now: datetime | None = None) -> str:
        """ "breached", "at_risk", "ok", "paused" or "stopped", computed on read (the flags may lag the beat)."""
        now = now or timezone.now()
        if self.first_response_breached or self.resolution_breached:
            return "breached"
        if self.is_done:
            return "stopped"
        clocks = [(self.resolution_due_at, self.resolution_target_minutes)]
        if self.first_responded_at is None:
            clocks.append((self.first_response_due_at, self.first_response_target_minutes))
        states = {self._clock_state(due, target, now) for due, target in clocks}
        for state in ("breached", "at_risk"):
            if state in states:
                return state
        return "paused" if self.is_paused else "ok"

    def _clock_state(self, due: datetime | None, target: int, now: datetime) -> str:
        remaining = self._remaining(due, now)
        if remaining is None:
            return "ok"
        if remaining <= timedelta(0):
            return "breached"
        if remaining < timedelta(minutes=target * AT_RISK_SHARE):
            return "at_risk"
        return "ok"


class TicketMessage(models.Model):
    id = models.BigAutoField(primary_key=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    is_internal = models.BooleanField(default=False, help_text="An internal staff note: tenants never see it.")
    from_staff = models.BooleanField(default=False, help_text="Written by platform staff (else by the tenant).")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    correlation_id = models.CharField(max_length=128, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_internal=False) | Q(from_staff=True), name="support_message_internal_only_from_staff"
            ),
        ]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="support_message_thread")]

    def __str__(self) -> str:
        return f"{'Note' if self.is_internal else 'Reply'} on {self.ticket_id} at {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "TicketAttachment", filename: str) -> str:
    return f"support/{timezone.now():%Y/%m}/{instance.message.ticket_id}/{filename}"


class TicketAttachment(models.Model):
    """A file on a message. Served only through the portal/admin views that check access."""

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0) & Q(size__lte=MAX_ATTACHMENT_BYTES), name="support_attachment_size_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.filename


class CannedResponse(models.Model):
    id = models.BigAutoField(primary_key=True)
    title = models.CharField(max_length=120, unique=True)
    body = models.TextField()
    category = models.CharField(max_length=20, choices=TicketCategory.choices, blank=True, default="")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category="") | Q(category__in=TicketCategory.values), name="support_canned_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SlaPolicy(models.Model):
    """Targets per priority, for one plan or (plan empty) the default for every other plan."""

    id = models.BigAutoField(primary_key=True)
    plan = models.ForeignKey(
        "tenancy.Plan", null=True, blank=True, on_delete=models.CASCADE, related_name="sla_policies"
    )
    priority = models.CharField(max_length=10, choices=TicketPriority.choices)
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()

    history = history_records()

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        ordering = ["plan__name", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "priority"], name="support_sla_unique_per_plan"),
            models.UniqueConstraint(
                fields=["priority"], condition=Q(plan__isnull=True), name="support_sla_unique_default"
            ),
            models.CheckConstraint(condition=Q(priority__in=TicketPriority.values), name="support_sla_priority_valid"),
            models.CheckConstraint(
                condition=Q(first_response_minutes__gt=0)
                & Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="support_sla_targets_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan or 'Default'} · {self.get_priority_display()}"


class TicketEventKind(models.TextChoices):
    CREATED = "created", "Created"
    STATUS = "status", "Status changed"
    ASSIGNED = "assigned", "Assigned"
    PRIORITY = "priority", "Priority changed"
    REPLIED = "replied", "Replied"
    NOTE = "note", "Internal note"


class TicketEvent(models.Model):
    """The readable assignment and status history of a ticket (simple-history keeps every field too)."""

    Kind = TicketEventKind

    id = models.BigAutoField(primary_key=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=TicketEventKind.choices)
    from_value = models.CharField(max_length=200, blank=True, default="")
    to_value = models.CharField(max_length=200, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    correlation_id = models.CharField(max_length=128, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TicketEventKind.values), name="support_event_kind_valid"),
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="support_event_ticket")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_value} → {self.to_value}"
