from django.db import models


class NumberSeries(models.Model):
    """The next number of a series (invoices, credit notes, tickets, GDPR requests).

    Allocated by `apps.core.numbering` under this row's lock, held until the allocating transaction
    ends: numbers have no gaps, and a rolled-back transaction gives its numbers back.
    """

    key = models.CharField(max_length=40, primary_key=True, help_text="e.g. INV, CN, TKT, GDPR.")
    prefix = models.CharField(max_length=20)
    next_number = models.PositiveBigIntegerField(default=1)

    class Meta:
        verbose_name_plural = "number series"

    def __str__(self) -> str:
        return f"{self.key} (next {self.next_number})"


class JobLease(models.Model):
    """A long task that a worker is running now, with the worker's last heartbeat (apps.core.jobs).

    A row lives from the task's start to its end. A worker killed mid-task (kill -9, OOM, a lost
    machine) leaves its row behind with a heartbeat that stops moving; the sweeper then sends the
    task again (same name, arguments and schema), up to a bound, then gives up and tells the owning
    app. Kept in PostgreSQL rather than Redis: it must survive a broker restart, and the take-over of
    a stale lease is a compare-and-set on this row.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        REQUEUED = "requeued", "Sent again, waiting for a worker"
        GAVE_UP = "gave_up", "Gave up"

    key = models.CharField(max_length=64, unique=True, help_text="Hash of task name, arguments and schema.")
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    schema_name = models.CharField(max_length=63, default="public")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    owner = models.CharField(max_length=100, blank=True, help_text="The running copy's token; empty when requeued.")
    attempts = models.PositiveIntegerField(default=1, help_text="Runs started, the first included.")
    heartbeat_at = models.DateTimeField()
    started_at = models.DateTimeField()
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["heartbeat_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="core_joblease_due")]

    def __str__(self) -> str:
        return f"{self.task} {self.args} ({self.status})"
