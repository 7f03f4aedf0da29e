"""The task engine (tenant schema): tasks, templates, checklists, dependencies, watchers, comments and
attachments. Every other workforce app creates work through `apps.tasks.services` (a routine's
occurrence, a maintenance work order, an incident's corrective action, a failed inspection item).

The rules that must never break are kept by the database:

- a status, a priority, an assignee kind and an evidence kind are one of their choices (checks);
- the assignee fields agree with the assignee kind: a person's task names the person, a team's the
  team, a role's the role (and the person who claimed it, once claimed);
- a task is never its own predecessor, and a link is recorded once;
- checklist items have one position each per task (and per template).

Rules that need more than one row (no cycle across dependencies, no completion with required items or
evidence missing) are checked by the services under a lock.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from apps.audit.history import history_records

CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{0,29}$",
    "Codes are 1 to 30 capital letters, digits, hyphens or underscores, e.g. STORE-VISIT.",
    code="invalid_code",
)


class TaskStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    BLOCKED = "blocked", "Blocked"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)
CLOSED_STATUSES = (TaskStatus.DONE, TaskStatus.CANCELLED)


class TaskPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class AssigneeKind(models.TextChoices):
    NOBODY = "nobody", "Nobody yet"
    PERSON = "person", "A person"
    TEAM = "team", "A team"
    ROLE = "role", "Anyone with a role at the workplace (first to claim)"


class Evidence(models.TextChoices):
    PHOTO = "photo", "Photo"
    SIGNATURE = "signature", "Signature"
    NOTE = "note", "Note"
    CHECK_IN = "check_in", "Check-in at the workplace"


def _assignee_consistent() -> Q:
    """The assignee columns agree with the kind (a role's task may name who claimed it)."""

    def empty(*names: str) -> Q:
        return Q(**{f"{name}__isnull": True for name in names})

    return (
        (Q(assignee_kind=AssigneeKind.NOBODY) & empty("assignee", "team", "role"))
        | (Q(assignee_kind=AssigneeKind.PERSON, assignee__isnull=False) & empty("team", "role"))
        | (Q(assignee_kind=AssigneeKind.TEAM, team__isnull=False) & empty("role"))
        | (Q(assignee_kind=AssigneeKind.ROLE, role__isnull=False) & empty("team"))
    )


class TaskTemplate(models.Model):
    """A reusable task: its default checklist, estimated duration, required evidence and assignee rule.
    Creating a task copies it; a later change to the template never rewrites existing tasks (`version`
    counts the changes, and each task keeps the version it was made from)."""

    id = models.BigAutoField(primary_key=True)
    code = models.CharField(max_length=30, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    priority = models.CharField(max_length=10, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    estimated_minutes = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(60 * 24 * 30)])
    required_evidence = ArrayField(models.CharField(max_length=20, choices=Evidence.choices), default=list, blank=True)
    # The default assignee rule: nobody, a person, a team, or anyone holding the role at the task's workplace.
    assignee_kind = models.CharField(max_length=10, choices=AssigneeKind.choices, default=AssigneeKind.NOBODY)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")  # fmt: skip
    team = models.ForeignKey("organisation.Entity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    role = models.ForeignKey("access.Role", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["name", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(priority__in=TaskPriority.values), name="tasks_template_priority"),
            models.CheckConstraint(condition=Q(assignee_kind__in=AssigneeKind.values), name="tasks_template_kind"),
            models.CheckConstraint(
                condition=Q(required_evidence__contained_by=Evidence.values), name="tasks_template_evidence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TemplateChecklistItem(models.Model):
    id = models.BigAutoField(primary_key=True)
    template = models.ForeignKey(TaskTemplate, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    is_required = models.BooleanField(default=False)

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="tasks_template_item_position_unique")
        ]

    def __str__(self) -> str:
        return self.text


class Task(models.Model):
    """One piece of work: what, where (a workplace, whose time zone the due time is shown in), by when,
    who (a person, a team, or anyone with a role at the workplace: the first to claim takes it), and
    its status with history. `origin_kind`/`origin_id` name the record that made it (an inspection's
    failed item, an incident, a maintenance plan's work order, a routine's occurrence), so the apps that
    create tasks link back without the engine knowing them."""

    Status = TaskStatus
    Priority = TaskPriority
    AssigneeKind = AssigneeKind

    id = models.BigAutoField(primary_key=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    priority = models.CharField(max_length=10, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO)
    workplace = models.ForeignKey("workplaces.Workplace", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")  # fmt: skip
    due_at = models.DateTimeField(null=True, blank=True, help_text="Shown in the workplace's time zone.")
    assignee_kind = models.CharField(max_length=10, choices=AssigneeKind.choices, default=AssigneeKind.NOBODY)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The person; for a role's task, who claimed it.",
    )  # fmt: skip
    team = models.ForeignKey("organisation.Entity", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey("access.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    template = models.ForeignKey(TaskTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    template_version = models.PositiveIntegerField(null=True, blank=True)
    estimated_minutes = models.PositiveIntegerField(null=True, blank=True)
    required_evidence = ArrayField(models.CharField(max_length=20, choices=Evidence.choices), default=list, blank=True)
    origin_kind = models.CharField(max_length=40, blank=True, help_text='What made it, e.g. "inspections.item".')
    origin_id = models.CharField(max_length=64, blank=True)
    blocked_reason = models.CharField(max_length=300, blank=True, help_text="Why it is blocked, in words.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")  # fmt: skip
    cancelled_at = models.DateTimeField(null=True, blank=True)
    completion_note = models.TextField(blank=True, help_text="What the person who completed it said (note evidence).")
    # The geofenced check-in at the workplace (check-in evidence): where, how precise, and the fence's verdict.
    check_in_at = models.DateTimeField(null=True, blank=True)
    check_in_lat = models.FloatField(null=True, blank=True)
    check_in_lng = models.FloatField(null=True, blank=True)
    check_in_accuracy_m = models.FloatField(null=True, blank=True)
    check_in_verdict = models.CharField(
        max_length=10, blank=True, help_text="inside or uncertain (outside is refused)."
    )
    check_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="tasks_task_status"),
            models.CheckConstraint(condition=Q(priority__in=TaskPriority.values), name="tasks_task_priority"),
            models.CheckConstraint(condition=Q(assignee_kind__in=AssigneeKind.values), name="tasks_task_kind"),
            models.CheckConstraint(condition=_assignee_consistent(), name="tasks_task_assignee_consistent"),
            models.CheckConstraint(
                condition=Q(required_evidence__contained_by=Evidence.values), name="tasks_task_evidence"
            ),
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.DONE) | Q(completed_at__isnull=False), name="tasks_task_done_when"
            ),
            models.CheckConstraint(
                condition=Q(check_in_at__isnull=True)
                | Q(check_in_lat__gte=-90, check_in_lat__lte=90, check_in_lng__gte=-180, check_in_lng__lte=180),
                name="tasks_task_check_in_position",
            ),
        ]
        indexes = [
            # "My tasks today": a person's open tasks by due time; a workplace's board by status.
            models.Index(fields=["assignee", "status", "due_at"], name="tasks_task_assignee_due"),
            models.Index(fields=["workplace", "status", "due_at"], name="tasks_task_workplace_due"),
            models.Index(
                fields=["role", "workplace"],
                name="tasks_task_role_workplace",
                condition=Q(assignee__isnull=True, role__isnull=False),
            ),
            models.Index(fields=["origin_kind", "origin_id"], name="tasks_task_origin", condition=~Q(origin_kind="")),
            # "My tasks today": the unclaimed role tasks due around now (claimable ones).
            models.Index(
                fields=["role", "due_at"],
                name="tasks_task_role_due",
                condition=Q(assignee__isnull=True, role__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ChecklistItem(models.Model):
    id = models.BigAutoField(primary_key=True)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    is_required = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")  # fmt: skip

    history = history_records()

    class Meta:
        ordering = ["task", "position"]
        constraints = [models.UniqueConstraint(fields=["task", "position"], name="tasks_item_position_unique")]

    def __str__(self) -> str:
        return self.text


class TaskDependency(models.Model):
    """Finish-to-start: `successor` may start once `predecessor` is done."""

    id = models.BigAutoField(primary_key=True)
    # No single-column indexes: the unique (predecessor, successor) and the (successor, predecessor) index serve
    # both directions, and the cycle walk reads them alone (index-only scans).
    predecessor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="successor_links", db_index=False)
    successor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="predecessor_links", db_index=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="tasks_dependency_unique"),
            models.CheckConstraint(condition=~Q(predecessor=F("successor")), name="tasks_dependency_not_self"),
        ]
        indexes = [models.Index(fields=["successor", "predecessor"], name="tasks_dependency_backward")]

    def __str__(self) -> str:
        return f"{self.predecessor_id} -> {self.successor_id}"


class TaskWatcher(models.Model):
    id = models.BigAutoField(primary_key=True)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="watchers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "user"], name="tasks_watcher_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.task_id}"


class TaskComment(models.Model):
    id = models.BigAutoField(primary_key=True)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    mentioned = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="tasks_comment_not_empty")]

    def __str__(self) -> str:
        return self.body[:60]


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", "Photo"
    SIGNATURE = "signature", "Signature"
    FILE = "file", "File"


def attachment_path(instance: "TaskAttachment", filename: str) -> str:
    """Stored through Django's storage API (object storage in production), per schema and task."""
    from django.db import connection

    schema = getattr(connection, "schema_name", "public")
    return f"tasks/{schema}/{instance.task_id}/{filename}"


class TaskAttachment(models.Model):
    id = models.BigAutoField(primary_key=True)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")
    checklist_item = models.ForeignKey(ChecklistItem, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="attachments")  # fmt: skip
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.FILE)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AttachmentKind.values), name="tasks_attachment_kind")
        ]

    def __str__(self) -> str:
        return self.name
