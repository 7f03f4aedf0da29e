"""Legal holds and the record of each retention sweep (docs/retention.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class LegalHold(models.Model):
    """While a hold is active, no retention sweep removes the tenant's data (of one kind, or of every kind)."""

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="legal_holds")
    kind = models.CharField(max_length=50, blank=True, default="", help_text="A retention kind; empty: every kind.")
    reason = models.CharField(max_length=500)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="backups_legalhold_reason_required")]
        indexes = [models.Index(fields=["tenant", "released_at"], name="backups_legalhold_active")]

    def __str__(self) -> str:
        return f"Hold on {self.tenant} ({self.kind or 'all data'})"


class RetentionRun(models.Model):
    """One sweep of one kind: when, how many rows left, which tenants were skipped for a hold."""

    kind = models.CharField(max_length=50)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    cutoff = models.DateTimeField(null=True, blank=True)
    rows_removed = models.PositiveBigIntegerField(default=0)
    tenants_held = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "-started_at"], name="backups_retentionrun_kind")]

    def __str__(self) -> str:
        return f"{self.kind} sweep at {self.started_at:%Y-%m-%d %H:%M}"


class TenantExportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class TenantExport(models.Model):
    """A staff request for a tenant archive, written by a Celery task under BACKUP_EXPORT_DIR."""

    Status = TenantExportStatus

    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="backup_exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=TenantExportStatus.choices, default=TenantExportStatus.PENDING)
    file_name = models.CharField(max_length=255, blank=True, default="")  # relative to BACKUP_EXPORT_DIR
    size_bytes = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveBigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TenantExportStatus.values), name="backups_tenantexport_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"Export of {self.tenant} ({self.status})"
