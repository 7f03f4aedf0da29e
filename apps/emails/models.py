from django.db import models
from django.db.models import Q


class EmailDeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EmailDelivery(models.Model):
    """One outgoing email and what happened to it (technical log, public schema).

    Written only by `apps.emails.services.email_send`; the staff admin shows it read-only.
    """

    Status = EmailDeliveryStatus

    id = models.BigAutoField(primary_key=True)
    recipient = models.EmailField(max_length=254)
    template = models.CharField(max_length=100, help_text="Name under templates/emails/, e.g. “invitation”.")
    subject = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True, default="")
    tenant = models.ForeignKey(
        "tenancy.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="email_deliveries"
    )
    correlation_id = models.CharField(max_length=128, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "email deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EmailDeliveryStatus.values), name="emails_delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="emails_delivery_sent_has_date"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="emails_delivery_recipient"),
            models.Index(fields=["tenant", "-created_at"], name="emails_delivery_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.recipient} ({self.status})"
