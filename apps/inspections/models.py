"""Inspections (tenant schema): checklist templates with scoring and a pass mark, schedules that create
due inspections ahead, and the inspections performed (answers, evidence, a signature). Every failed
answer opens one corrective task through the task engine and keeps its FK.

Versioning: a template is one row per (code, version). Publishing a change writes a new version with a
copy of its sections and items and retires the old one (`is_current`); an inspection points at the
exact version it was made on, so old results stay readable as they were answered.

Kept by the database: one current version per code; one position per section/item; an item's kind and
score range; one answer per (inspection, item); one inspection per (schedule, site, occurrence); one
submission per client id; a submitted inspection has its score.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.audit.history import history_records
from apps.tasks.models import CODE_VALIDATOR


class InspectionTemplate(models.Model):
    id = models.BigAutoField(primary_key=True)
    code = models.CharField(max_length=30, validators=[CODE_VALIDATOR])
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        default=80, validators=[MaxValueValidator(100)], help_text="Percentage needed to pass."
    )
    is_current = models.BooleanField(default=True, help_text="The version new inspections are made on.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["name", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="inspections_template_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="inspections_template_one_current"
            ),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="inspections_template_pass_mark"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code} v{self.version})"


class InspectionSection(models.Model):
    id = models.BigAutoField(primary_key=True)
    template = models.ForeignKey(InspectionTemplate, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="inspections_section_position_unique")
        ]

    def __str__(self) -> str:
        return self.title


class ItemKind(models.TextChoices):
    PASS_FAIL = "pass_fail", "Pass / fail"
    SCORE = "score", "Score 0..N"
    YES_NO_NA = "yes_no_na", "Yes / no / not applicable"


class InspectionItem(models.Model):
    """One question. Pass/fail: pass earns the weight. Score: value/N of the weight, failed below
    `fail_below`. Yes/no/N/A: yes earns the weight, no fails, N/A leaves the item out of the score."""

    Kind = ItemKind

    id = models.BigAutoField(primary_key=True)
    template = models.ForeignKey(InspectionTemplate, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(InspectionSection, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    question = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=ItemKind.choices, default=ItemKind.PASS_FAIL)
    max_score = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(100)])
    fail_below = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Score items: a value below this fails the item."
    )
    weight = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(100)])
    is_required = models.BooleanField(default=True)
    # A failure opens a corrective task: from this task template, else titled `corrective_title`.
    opens_task = models.BooleanField(default=True)
    corrective_template = models.ForeignKey(
        "tasks.TaskTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrective_title = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="inspections_item_position_unique"),
            models.CheckConstraint(condition=Q(kind__in=ItemKind.values), name="inspections_item_kind"),
            models.CheckConstraint(condition=Q(max_score__gte=1), name="inspections_item_max_score"),
            models.CheckConstraint(
                condition=Q(fail_below__isnull=True) | Q(fail_below__lte=models.F("max_score")),
                name="inspections_item_fail_below",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def score_range(self) -> range:
        return range(self.max_score + 1)


class InspectionSchedule(models.Model):
    """A template (by code: the current version when each inspection is made) at a site, or at a region or
    area (then at every active site below it, one inspection per site and occurrence), repeated by an RRULE
    in each site's time zone from `starts_on` at `time_of_day`; assigned to a person, offered to anyone
    holding a role at the site (the first to claim takes it, by the task engine's claim rules), or nobody."""

    id = models.BigAutoField(primary_key=True)
    template_code = models.CharField(max_length=30, validators=[CODE_VALIDATOR])
    workplace = models.ForeignKey("workplaces.Workplace", on_delete=models.PROTECT, related_name="+",
                                  help_text="A site, or a region or area: every active site below it.")  # fmt: skip
    rrule = models.CharField(max_length=500)
    starts_on = models.DateField()
    time_of_day = models.TimeField()
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")  # fmt: skip
    role = models.ForeignKey("access.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             help_text="Offer each inspection to anyone holding this role at its site.")  # fmt: skip
    creates_task = models.BooleanField(default=False, help_text="Also create a task to perform each inspection.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["template_code", "workplace_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(assignee__isnull=True) | Q(role__isnull=True), name="inspections_schedule_person_or_role"
            ),
            # A role offer is claimed through its perform task (the task engine's claim rules).
            models.CheckConstraint(
                condition=Q(role__isnull=True) | Q(creates_task=True), name="inspections_schedule_role_task"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_code} at {self.workplace_id}"


class InspectionStatus(models.TextChoices):
    DUE = "due", "Due"
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    CANCELLED = "cancelled", "Cancelled"


def evidence_path(instance: "Evidence", filename: str) -> str:
    """Through Django's storage API (object storage in production), per schema and inspection."""
    from django.db import connection

    schema = getattr(connection, "schema_name", "public")
    return f"inspections/{schema}/{instance.inspection_id}/{filename}"


def signature_path(instance: "Inspection", filename: str) -> str:
    from django.db import connection

    schema = getattr(connection, "schema_name", "public")
    return f"inspections/{schema}/{instance.pk}/signature-{filename}"


class Inspection(models.Model):
    Status = InspectionStatus

    id = models.BigAutoField(primary_key=True)
    template = models.ForeignKey(InspectionTemplate, on_delete=models.PROTECT, related_name="inspections")
    workplace = models.ForeignKey("workplaces.Workplace", on_delete=models.PROTECT, related_name="+")
    schedule = models.ForeignKey(InspectionSchedule, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="inspections")  # fmt: skip
    occurrence_key = models.CharField(max_length=20, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")  # fmt: skip
    role = models.ForeignKey(
        "access.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Offered to anyone holding this role at the site (assignee: who claimed it).",
    )  # fmt: skip
    status = models.CharField(max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.DUE)
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")  # fmt: skip
    client_id = models.UUIDField(null=True, blank=True, help_text="The submitting client's id (idempotent retry).")
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    signature = models.FileField(upload_to=signature_path, max_length=300, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records(excluded_fields=["signature"])

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "workplace", "occurrence_key"],
                condition=Q(schedule__isnull=False),
                name="inspections_one_per_site_occurrence",
            ),
            models.UniqueConstraint(fields=["client_id"], name="inspections_client_id_unique"),
            models.CheckConstraint(condition=Q(status__in=InspectionStatus.values), name="inspections_status"),
            models.CheckConstraint(
                condition=~Q(status=InspectionStatus.SUBMITTED)
                | Q(score__isnull=False, passed__isnull=False, submitted_at__isnull=False),
                name="inspections_submitted_scored",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="inspections_assignee_due"),
            models.Index(fields=["template", "workplace", "submitted_at"], name="inspections_trend"),
        ]

    def __str__(self) -> str:
        return f"{self.template.code} at {self.workplace_id} ({self.status})"


class Answer(models.Model):
    """One item's answer: `value` is pass/fail/yes/no/na or the score as text; `failed` and the FK to
    the corrective task the failure opened (exactly once: the answer is unique per item)."""

    id = models.BigAutoField(primary_key=True)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(InspectionItem, on_delete=models.PROTECT, related_name="answers")
    value = models.CharField(max_length=10)
    earned = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    possible = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    failed = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    corrective_task = models.OneToOneField("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")  # fmt: skip

    class Meta:
        ordering = ["inspection", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspections_answer_unique"),
        ]
        indexes = [models.Index(fields=["item"], name="inspections_answer_failed", condition=Q(failed=True))]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value}"


class Evidence(models.Model):
    """A photo or file attached to an inspection (optionally to one item's answer, by item)."""

    id = models.BigAutoField(primary_key=True)
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="evidence")
    item = models.ForeignKey(InspectionItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspection", "created_at", "id"]

    def __str__(self) -> str:
        return self.name
