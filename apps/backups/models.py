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
