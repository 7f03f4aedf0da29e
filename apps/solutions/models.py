"""The solution access registry: who may use which of the plan's workforce solutions.

A `SolutionAccess` grants one solution (a catalogue code in the tenant's plan) to one user or to
one role. A grant to a role reaches everyone who holds that role, or a role below it in the role
tree, through an active assignment (directly or through a team). Revoking keeps the row
(`revoked_at`, `revoked_by`, `revoke_reason`), so the grant and its end both stay in history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.audit.history import history_records


class SolutionAccessQuerySet(models.QuerySet["SolutionAccess"]):
    def active(self) -> "SolutionAccessQuerySet":
        return self.filter(revoked_at__isnull=True)


class SolutionAccess(models.Model):
    id = models.BigAutoField(primary_key=True)
    solution_code = models.SlugField(max_length=50, help_text="A solution of the organisation's plan.")
    # The grantee: exactly one of these. Users live in public; a tenant row may point at them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Deleting a role ends what was granted through it (its history rows stay).
    role = models.ForeignKey(
        "access.Role", null=True, blank=True, on_delete=models.CASCADE, related_name="solution_grants"
    )
    reason = models.CharField(max_length=255, blank=True, default="", help_text="Why this access was given.")
    granted_at = models.DateTimeField(default=timezone.now, editable=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.CharField(max_length=255, blank=True, default="")

    history = history_records()

    objects = SolutionAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = "solution access"
        verbose_name_plural = "solution access grants"
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, role__isnull=True) | Q(user__isnull=True, role__isnull=False),
                name="solutions_access_one_grantee",
                violation_error_message="Give access to exactly one user or role.",
            ),
            models.UniqueConstraint(
                fields=["solution_code", "user"], condition=Q(revoked_at__isnull=True, user__isnull=False),
                name="solutions_access_user_unique",
                violation_error_message="This person already has access to this solution.",
            ),
            models.UniqueConstraint(
                fields=["solution_code", "role"], condition=Q(revoked_at__isnull=True, role__isnull=False),
                name="solutions_access_role_unique",
                violation_error_message="This role already has access to this solution.",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("granted_at")),
                name="solutions_access_revoked_after_granted",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["user"], condition=Q(revoked_at__isnull=True), name="solutions_access_user_active"),
            models.Index(fields=["role"], condition=Q(revoked_at__isnull=True), name="solutions_access_role_active"),
        ]

    def __str__(self) -> str:
        return f"{self.solution_code} → {self.grantee_label}"

    @property
    def grantee_label(self) -> str:
        return str(self.user) if self.user_id else f"role {self.role}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
