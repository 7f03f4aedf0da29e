"""A person's way from a verified account to their own organisation (issue 13, seed 004 Epic 1).

One `Onboarding` row per attempt, public schema: what the steps collected (`company`, JSON until the
tenant exists), then the tenant and provisioning job it created. At most one attempt per person is in
progress (draft or submitted), and an attempt creates at most one tenant: a double submit finds the
row already submitted (row lock) and creates nothing more.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.audit.history import history_records
from apps.reference.models import TaxIdVerification


class OnboardingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted (provisioning)"
    COMPLETED = "completed", "Completed"


IN_PROGRESS = [OnboardingStatus.DRAFT, OnboardingStatus.SUBMITTED]


class Onboarding(models.Model):
    Status = OnboardingStatus

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="onboardings")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    country = models.CharField(max_length=2, blank=True, default="")
    tax_id = models.CharField(max_length=30, blank=True, default="", help_text="Normalised business number.")
    tax_id_verification = models.CharField(max_length=12, choices=TaxIdVerification.choices,
                                           default=TaxIdVerification.UNVERIFIED)  # fmt: skip
    # What the steps collected for the company profile (register fields, display name, billing, plan).
    company = models.JSONField(default=dict, blank=True)
    tenant = models.OneToOneField("tenancy.Tenant", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="onboarding")  # fmt: skip
    job = models.ForeignKey("tenancy.ProvisioningJob", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    history = history_records()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OnboardingStatus.values), name="onboarding_status_valid"),
            models.UniqueConstraint(fields=["user"], condition=Q(status__in=IN_PROGRESS),
                                    name="onboarding_one_in_progress_per_user"),
            models.CheckConstraint(condition=Q(status=OnboardingStatus.DRAFT) | Q(tenant__isnull=False),
                                   name="onboarding_submitted_has_tenant"),
            models.CheckConstraint(condition=Q(tax_id_verification__in=TaxIdVerification.values),
                                   name="onboarding_tax_id_verification_valid"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Onboarding {self.pk} of {self.user_id} ({self.status})"
