"""Generated and scheduled reports (tenant schema).

- `ReportDefinition`: what to report (a dataset of `datasets.py`), over which workplaces and period,
  grouped how, with which columns; owned by a person; history kept.
- `GeneratedReport`: one rendered file (CSV, XLSX or PDF) stored through Django's storage API, with
  its size, rows, period and who or which schedule made it.
- `ReportSchedule`: when a definition is sent (an RFC 5545 rule in a time zone), to whom (people, roles,
  confirmed external addresses), in which format, as a signed link or an attached file; pausable.
- `ReportRun`: one occurrence of a schedule (or one "generate now"), its status, attempts and file.

The rules that must never break are kept by the database: the enumerations are one of their choices;
a fixed period has both ends in order; a schedule's occurrence runs once (unique per schedule and
occurrence key, however many beats run at once); an on-demand run has no occurrence; a file is not empty.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from apps.audit.history import history_records
from apps.core.storage import tenant_file_path


class Period(models.TextChoices):
    TODAY = "today", "Today"
    YESTERDAY = "yesterday", "Yesterday"
    THIS_WEEK = "this_week", "This week"
    LAST_WEEK = "last_week", "Last week"
    LAST_7_DAYS = "last_7_days", "Last 7 days"
    THIS_MONTH = "this_month", "This month"
    LAST_MONTH = "last_month", "Last month"
    LAST_30_DAYS = "last_30_days", "Last 30 days"
    FIXED = "fixed", "Fixed dates"


class ReportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"
    PDF = "pdf", "PDF"


class Delivery(models.TextChoices):
    LINK = "link", "A signed link (expires in 7 days)"
    ATTACHMENT = "attachment", "The file attached"


class ScheduleStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Generated"  # on demand: the file is ready, nobody is emailed
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class ReportDefinition(models.Model):
    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    dataset = models.CharField(max_length=40, help_text="What is reported (see the datasets catalogue).")
    workplaces = models.ManyToManyField(
        "workplaces.Workplace",
        blank=True,
        related_name="+",
        help_text="Empty: every workplace. A region or area includes its sites.",
    )
    period = models.CharField(max_length=20, choices=Period.choices, default=Period.LAST_WEEK)
    period_start = models.DateField(null=True, blank=True, help_text="Fixed period only.")
    period_end = models.DateField(null=True, blank=True, help_text="Fixed period only (included).")
    grouping = models.CharField(max_length=40, help_text="One of the dataset's groupings.")
    columns = ArrayField(models.CharField(max_length=40), default=list, help_text="Some of the dataset's columns.")
    form = models.ForeignKey("forms.FormTemplate", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             help_text="Form submissions only: the form reported on (empty: every form).")  # fmt: skip
    filters = models.JSONField(default=list, blank=True, help_text="On the dataset's dimensions or the form's "
                               "answers: [{field, op, value, type, on}] (filters.py).")  # fmt: skip
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(period__in=Period.values), name="reporting_definition_period"),
            models.CheckConstraint(
                condition=(Q(period="fixed") & Q(period_start__isnull=False, period_end__isnull=False)
                           & Q(period_start__lte=F("period_end")))
                | (~Q(period="fixed") & Q(period_start__isnull=True, period_end__isnull=True)),
                name="reporting_definition_fixed_period",
            ),
            models.CheckConstraint(condition=~Q(columns=[]), name="reporting_definition_columns"),
            # Filters on the dataset's dimensions need no form; filters on answers do.
            models.CheckConstraint(condition=~Q(filters__contains=[{"on": "answer"}]) | Q(form__isnull=False),
                                   name="reporting_definition_filters_need_form"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["owner", "name"], name="reporting_definition_owner")]

    def __str__(self) -> str:
        return self.name


def report_path(instance: "GeneratedReport", filename: str) -> str:
    """Stored through Django's storage API (object storage in production), per schema and day."""
    return tenant_file_path("reports", f"{instance.generated_at:%Y/%m/%d}", filename=filename)


class GeneratedReport(models.Model):
    id = models.BigAutoField(primary_key=True)
    definition = models.ForeignKey(ReportDefinition, null=True, on_delete=models.SET_NULL, related_name="files")
    title = models.CharField(max_length=200, help_text="The definition's name when it was generated.")
    format = models.CharField(max_length=5, choices=ReportFormat.choices)
    file = models.FileField(upload_to=report_path, max_length=300)
    size = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()
    truncated = models.BooleanField(default=False, help_text="More groups than a file holds; the first ones kept.")
    period_start = models.DateField()
    period_end = models.DateField()
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", help_text="Empty for a schedule or an API key.")  # fmt: skip
    schedule = models.ForeignKey("ReportSchedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-generated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(format__in=ReportFormat.values), name="reporting_generated_format"),
            models.CheckConstraint(condition=Q(size__gt=0), name="reporting_generated_not_empty"),
            models.CheckConstraint(condition=Q(period_start__lte=F("period_end")), name="reporting_generated_period"),
        ]
        indexes = [models.Index(fields=["definition", "-generated_at"], name="reporting_generated_definition")]

    def __str__(self) -> str:
        return f"{self.title} ({self.format})"

    @property
    def filename(self) -> str:
        return f"{self.title} {self.period_start:%Y-%m-%d} to {self.period_end:%Y-%m-%d}.{self.format}"


class ReportSchedule(models.Model):
    Status = ScheduleStatus

    id = models.BigAutoField(primary_key=True)
    definition = models.ForeignKey(ReportDefinition, on_delete=models.CASCADE, related_name="schedules")
    rrule = models.CharField(max_length=500, help_text="RFC 5545, e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=8.")
    starts_at = models.DateTimeField(help_text="The rule's anchor (its first possible occurrence).")
    time_zone = models.CharField(max_length=64, help_text="IANA name: the rule's wall-clock times are there.")
    format = models.CharField(max_length=5, choices=ReportFormat.choices, default=ReportFormat.PDF)
    delivery = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.LINK)
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    roles = models.ManyToManyField("access.Role", blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=ScheduleStatus.choices, default=ScheduleStatus.ACTIVE)
    next_run_at = models.DateTimeField(null=True, blank=True, help_text="Empty when the rule has ended.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="Told when a run fails.")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["next_run_at"])

    class Meta:
        ordering = ["definition__name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(format__in=ReportFormat.values), name="reporting_schedule_format"),
            models.CheckConstraint(condition=Q(delivery__in=Delivery.values), name="reporting_schedule_delivery"),
            models.CheckConstraint(condition=Q(status__in=ScheduleStatus.values), name="reporting_schedule_status"),
        ]
        # The beat's query: active schedules that are due.
        indexes = [models.Index(fields=["next_run_at"], name="reporting_schedule_due", condition=Q(status="active"))]

    def __str__(self) -> str:
        return f"{self.definition} ({self.rrule})"


class ExternalRecipient(models.Model):
    """An address outside the organisation; it receives reports only once it confirmed (a signed link)."""

    id = models.BigAutoField(primary_key=True)
    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="external_recipients")
    email = models.EmailField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["schedule", "email"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "email"], name="reporting_external_once"),
            models.CheckConstraint(condition=Q(email=models.functions.Lower("email")), name="reporting_external_lower"),
        ]

    def __str__(self) -> str:
        return self.email


class ReportRun(models.Model):
    Status = RunStatus

    id = models.BigAutoField(primary_key=True)
    definition = models.ForeignKey(ReportDefinition, on_delete=models.CASCADE, related_name="runs")
    schedule = models.ForeignKey(ReportSchedule, null=True, blank=True, on_delete=models.CASCADE, related_name="runs")
    occurrence_key = models.CharField(max_length=20, blank=True, help_text="The occurrence's local wall time.")
    scheduled_for = models.DateTimeField(help_text="The occurrence (or when it was asked for).")
    format = models.CharField(max_length=5, choices=ReportFormat.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    report = models.ForeignKey(GeneratedReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    recipients = models.PositiveIntegerField(default=0, help_text="How many people and addresses it was sent to.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", help_text="Who asked (generate now).")  # fmt: skip
    client_id = models.UUIDField(null=True, blank=True, help_text="The caller's id: a retried request is one run.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="reporting_run_status"),
            models.CheckConstraint(condition=Q(format__in=ReportFormat.values), name="reporting_run_format"),
            models.CheckConstraint(
                condition=Q(schedule__isnull=True, occurrence_key="")
                | (Q(schedule__isnull=False) & ~Q(occurrence_key="")),
                name="reporting_run_occurrence",
            ),
            models.CheckConstraint(condition=~Q(status="done") | Q(schedule__isnull=True), name="reporting_run_done"),
            models.UniqueConstraint(fields=["schedule", "occurrence_key"], name="reporting_run_once",
                                    condition=Q(schedule__isnull=False)),
            models.UniqueConstraint(fields=["requested_by", "client_id"], name="reporting_run_client_id_once",
                                    condition=Q(client_id__isnull=False)),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["schedule", "-scheduled_for"], name="reporting_run_schedule"),
            # The beat's retry pass: queued runs whose next attempt is due.
            models.Index(fields=["next_attempt_at"], name="reporting_run_retry", condition=Q(status="queued")),
        ]

    def __str__(self) -> str:
        return f"{self.definition} {self.occurrence_key or self.scheduled_for.isoformat()} {self.status}"
