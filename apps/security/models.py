import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class AuthEventKind(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", "Login succeeded"
    LOGIN_FAILED = "login_failed", "Login failed"
    LOCKED_OUT = "locked_out", "Locked out"
    UNLOCKED = "unlocked", "Unlocked"
    LOGGED_OUT = "logged_out", "Logged out"
    MFA_ENROLLED = "mfa_enrolled", "MFA factor enrolled"
    MFA_REMOVED = "mfa_removed", "MFA factor removed"
    MFA_FAILED = "mfa_failed", "MFA code rejected"
    MFA_RECOVERY_CODE_USED = "mfa_recovery_code_used", "MFA recovery code used"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PASSWORD_RESET = "password_reset", "Password reset"
    SESSION_REVOKED = "session_revoked", "Session revoked"
    LOGGED_OUT_EVERYWHERE = "logged_out_everywhere", "Logged out everywhere"
    TOKEN_ISSUED = "token_issued", "API token issued"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    REFRESH_TOKEN_REUSED = "refresh_token_reused", "Rotated refresh token reused (family revoked)"


class AuthEvent(models.Model):
    """An authentication event (technical log, public schema). Append-only: a trigger refuses UPDATE.

    Retention (deleting rows older than the retention period) is the only delete, done by the
    platform's log-retention task.
    """

    Kind = AuthEventKind

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    # What was typed at a failed login (lowercased); never tells the caller whether it exists.
    email = models.CharField(max_length=254, blank=True, default="")
    tenant = models.ForeignKey(
        "tenancy.Tenant", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    correlation_id = models.CharField(max_length=128, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AuthEventKind.values), name="security_authevent_kind_valid")
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="security_authevent_user_time"),
            models.Index(fields=["tenant", "-created_at"], name="security_authevent_tenant_time"),
            models.Index(fields=["kind", "-created_at"], name="security_authevent_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"
