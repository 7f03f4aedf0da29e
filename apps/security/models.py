import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.audit.history import history_records


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
    # Risk-based sign-in (apps/security/risk.py): set on sign-ins and on sign-ins refused for their risk.
    risk_score = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_flags = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    device_fingerprint = models.CharField(max_length=64, blank=True, default="")  # an HMAC, never the headers
    country = models.CharField(max_length=2, blank=True, default="")  # ISO 3166-1; "" unknown
    city = models.CharField(max_length=120, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AuthEventKind.values), name="security_authevent_kind_valid"),
            models.CheckConstraint(
                condition=Q(risk_score__isnull=True) | Q(risk_score__lte=100),
                name="security_authevent_risk_score_range",
            ),
        ]
        indexes = [
            # A person's last sign-ins, for scoring the next one (bounded: last N within a window).
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(kind__in=["login_succeeded", "token_issued"]),
                name="security_authevent_signins",
            ),
            models.Index(fields=["user", "-created_at"], name="security_authevent_user_time"),
            models.Index(fields=["tenant", "-created_at"], name="security_authevent_tenant_time"),
            models.Index(fields=["kind", "-created_at"], name="security_authevent_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class DeviceType(models.TextChoices):
    DESKTOP = "desktop", "Desktop"
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"
    BOT = "bot", "Bot"
    UNKNOWN = "unknown", "Unknown"


class SessionEndReason(models.TextChoices):
    SIGNED_OUT = "signed_out", "Signed out"
    REVOKED = "revoked", "Revoked"
    LOGGED_OUT_EVERYWHERE = "logged_out_everywhere", "Logged out everywhere"
    EXPIRED = "expired", "Expired"  # closed by the security.cleanup_expired_sessions beat task
    PASSWORD_CHANGED = "password_changed", "Password changed or reset"


class UserSessionQuerySet(models.QuerySet["UserSession"]):
    def open(self) -> "UserSessionQuerySet":
        """Not ended and not past its expiry: the sessions a person can still be signed in with."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class UserSession(models.Model):
    """One signed-in web session of a person (public schema), so they and staff can see and end it.

    `session_key` is Django's session key: revoking deletes that session, which signs the browser out.
    No history: `last_seen_at` moves every minute; the lifecycle (revocations) is in the audit log
    and the auth events.
    """

    DeviceType = DeviceType
    EndReason = SessionEndReason

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    device_name = models.CharField(max_length=120, blank=True, default="")
    device_type = models.CharField(max_length=20, choices=DeviceType.choices, default=DeviceType.UNKNOWN)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.CharField(max_length=30, choices=SessionEndReason.choices, blank=True, default="")

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(device_type__in=DeviceType.values), name="security_usersession_device_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_reason__in=["", *SessionEndReason.values]),
                name="security_usersession_end_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, end_reason="") | Q(revoked_at__isnull=False) & ~Q(end_reason=""),
                name="security_usersession_ended_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"], name="security_usersession_user_open")]

    def __str__(self) -> str:
        return f"{self.device_name or 'Unknown device'} ({self.user})"

    @property
    def is_open(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


# --- Staff impersonation -------------------------------------------------------------------------
IMPERSONATION_MAX_MINUTES = 30
IMPERSONATION_DEFAULT_MINUTES = 15


class ImpersonationEndReason(models.TextChoices):
    ENDED_BY_STAFF = "ended_by_staff", "Ended by staff"
    EXPIRED = "expired", "Time limit reached"
    SIGNED_OUT = "signed_out", "Signed out"
    REVOKED = "revoked", "Ended from the admin"


class ImpersonationSession(models.Model):
    """A staff member signed in to a tenant's portal as one of its members (public schema).

    Started from the staff admin with a reason and a time limit (at most 30 minutes, enforced by the
    database too); while it runs the portal shows a banner and refuses the person's security pages
    (apps/security/impersonation.py). Every start and end is audited on the tenant's chain, so it
    shows in that tenant's activity timeline.
    """

    EndReason = ImpersonationEndReason

    id = models.BigAutoField(primary_key=True)
    staff_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    impersonated_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=500)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=ImpersonationEndReason.choices, blank=True, default="")

    history = history_records()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("started_at"))
                & Q(expires_at__lte=F("started_at") + timedelta(minutes=IMPERSONATION_MAX_MINUTES)),
                name="security_impersonation_at_most_30_minutes",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="")
                | Q(ended_at__isnull=False, end_reason__in=ImpersonationEndReason.values),
                name="security_impersonation_ended_has_reason",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="security_impersonation_reason_required"),
            models.CheckConstraint(
                condition=~Q(staff_user=F("impersonated_user")), name="security_impersonation_not_oneself"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "-started_at"], name="security_impersonation_tenant")]

    def __str__(self) -> str:
        return f"{self.staff_user} as {self.impersonated_user} ({self.started_at:%Y-%m-%d %H:%M})"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None and self.expires_at > timezone.now()


# One-time-code factors (email, SMS) live in their own module; imported here so Django registers them.
from .otp_models import OneTimeCode, OtpChannel, OtpFactor, OtpPurpose  # noqa: E402, F401

# Risk-based sign-in keeps its own models in their own module (apps/security/risk.py uses them).
from .risk_models import KnownDevice, KnownSignInCountry  # noqa: E402, F401
