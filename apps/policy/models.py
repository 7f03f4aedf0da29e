"""Security policy per entity (tenant schema), inherited down the organisation's hierarchy.

Every setting is nullable: NULL means "inherit from the entity above" (and, at the root, "use the
product default", apps/policy/defaults.py). How the settings of several entities combine for one
person is in apps/policy/selectors.py and docs/security-policy.md.
"""

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.audit.history import history_records
from apps.security.otp_models import OtpChannel

PASSWORD_MIN_LENGTH_RANGE = (8, 128)
PASSWORD_EXPIRY_DAYS_MAX = 3650
SESSION_IDLE_MINUTES_RANGE = (1, 43200)  # up to 30 days
SESSION_ABSOLUTE_HOURS_RANGE = (1, 2160)  # up to 90 days
IP_ALLOWLIST_MAX_ENTRIES = 100
PASSWORD_HISTORY_MAX = 24
RISK_SCORE_RANGE = (0, 100)  # sign-in risk scores (apps/security/risk.py); a threshold of 100 never applies


class LoginMethod(models.TextChoices):
    """The ways a person signs in to a tenant (the product has these two; see docs/security-policy.md)."""

    PASSWORD = "password", "Web sign-in (email and password, then any second factor)"
    API_TOKEN = "api_token", "API token sign-in (apps and scripts, /api/v1/auth/token/)"


def network_normalise(value: str) -> str:
    """ "10.1.2.3/8" -> "10.0.0.0/8", "2001:DB8::1" -> "2001:db8::1/128"; ValidationError names the bad value."""
    text = str(value).strip()
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise ValidationError(
            "“%(value)s” is not an IP address or network (examples: 203.0.113.7, 10.0.0.0/8, 2001:db8::/32).",
            code="invalid_cidr",
            params={"value": text},
        ) from None


def validate_network(value: str) -> None:
    network_normalise(value)


def _between(low: int, high: int) -> list[Any]:
    return [MinValueValidator(low), MaxValueValidator(high)]


class SecurityPolicy(models.Model):
    """The settings one entity overrides; the root's policy is the tenant's default."""

    id = models.BigAutoField(primary_key=True)
    entity = models.OneToOneField("organisation.Entity", on_delete=models.CASCADE, related_name="security_policy")
    mfa_required = models.BooleanField(
        null=True, blank=True, help_text="Members must use a second factor (authenticator app or security key)."
    )
    password_min_length = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=_between(*PASSWORD_MIN_LENGTH_RANGE),
        help_text=f"Characters, {PASSWORD_MIN_LENGTH_RANGE[0]} to {PASSWORD_MIN_LENGTH_RANGE[1]}.",
    )
    password_expiry_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=_between(0, PASSWORD_EXPIRY_DAYS_MAX),
        help_text="A password must be changed after this many days; 0: never.",
    )
    session_idle_timeout_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=_between(*SESSION_IDLE_MINUTES_RANGE),
        help_text="Sign out after this many minutes without activity.",
    )
    session_absolute_timeout_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=_between(*SESSION_ABSOLUTE_HOURS_RANGE),
        help_text="Sign out this many hours after signing in, active or not.",
    )
    ip_allowlist = ArrayField(
        models.CharField(max_length=49, validators=[validate_network]),
        null=True,
        blank=True,
        help_text="Addresses and networks (CIDR) sign-in and use are allowed from; empty: anywhere.",
    )
    allowed_login_methods = ArrayField(
        models.CharField(max_length=20, choices=LoginMethod.choices),
        null=True,
        blank=True,
        help_text="The sign-in methods members may use.",
    )
    allow_staff_impersonation = models.BooleanField(
        null=True,
        blank=True,
        help_text="Platform support staff may sign in as a member (with a reason, at most 30 minutes) to help.",
    )
    # Issue 19: one-time codes as second factors, and no reuse of recent passwords.
    allowed_second_factors = ArrayField(
        models.CharField(max_length=10, choices=OtpChannel.choices),
        null=True,
        blank=True,
        help_text="One-time codes members may use as a second factor, besides authenticator apps and security "
        "keys (always allowed); empty: none.",
    )
    password_history_count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=_between(0, PASSWORD_HISTORY_MAX),
        help_text=f"A new password may not be one of the last N (0 to {PASSWORD_HISTORY_MAX}; 0: no rule).",
    )
    # Risk-based sign-in (apps/security/risk.py): a sign-in scored above these asks for a second factor,
    # or is refused.
    risk_step_up_score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=_between(*RISK_SCORE_RANGE),
        help_text="Sign-ins riskier than this (0-100) must pass a second factor, even where MFA is optional.",
    )
    risk_refuse_score = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=_between(*RISK_SCORE_RANGE),
        help_text="Sign-ins riskier than this (0-100) are refused; 100: never.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Users live in public; a tenant row may point at them (never the other way).
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = history_records()

    class Meta:
        ordering = ["entity__path"]
        verbose_name = "security policy"
        verbose_name_plural = "security policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(password_min_length__isnull=True)
                | Q(password_min_length__gte=PASSWORD_MIN_LENGTH_RANGE[0],
                    password_min_length__lte=PASSWORD_MIN_LENGTH_RANGE[1]),
                name="policy_securitypolicy_password_min_length_range",
            ),
            models.CheckConstraint(
                condition=Q(password_expiry_days__isnull=True)
                | Q(password_expiry_days__gte=0, password_expiry_days__lte=PASSWORD_EXPIRY_DAYS_MAX),
                name="policy_securitypolicy_password_expiry_days_range",
            ),
            models.CheckConstraint(
                condition=Q(session_idle_timeout_minutes__isnull=True)
                | Q(session_idle_timeout_minutes__gte=SESSION_IDLE_MINUTES_RANGE[0],
                    session_idle_timeout_minutes__lte=SESSION_IDLE_MINUTES_RANGE[1]),
                name="policy_securitypolicy_session_idle_range",
            ),
            models.CheckConstraint(
                condition=Q(session_absolute_timeout_hours__isnull=True)
                | Q(session_absolute_timeout_hours__gte=SESSION_ABSOLUTE_HOURS_RANGE[0],
                    session_absolute_timeout_hours__lte=SESSION_ABSOLUTE_HOURS_RANGE[1]),
                name="policy_securitypolicy_session_absolute_range",
            ),
            models.CheckConstraint(
                condition=Q(ip_allowlist__isnull=True) | Q(ip_allowlist__len__lte=IP_ALLOWLIST_MAX_ENTRIES),
                name="policy_securitypolicy_ip_allowlist_size",
            ),
            # An empty list would let nobody sign in: at least one method when set.
            models.CheckConstraint(
                condition=Q(allowed_login_methods__isnull=True)
                | Q(allowed_login_methods__len__gte=1, allowed_login_methods__contained_by=LoginMethod.values),
                name="policy_securitypolicy_login_methods_valid",
            ),
            models.CheckConstraint(
                condition=Q(allowed_second_factors__isnull=True)
                | Q(allowed_second_factors__contained_by=OtpChannel.values),
                name="policy_securitypolicy_second_factors_valid",
            ),
            models.CheckConstraint(
                condition=Q(password_history_count__isnull=True)
                | Q(password_history_count__gte=0, password_history_count__lte=PASSWORD_HISTORY_MAX),
                name="policy_securitypolicy_password_history_range",
            ),
            models.CheckConstraint(
                condition=Q(risk_step_up_score__isnull=True) | Q(risk_step_up_score__lte=RISK_SCORE_RANGE[1]),
                name="policy_securitypolicy_risk_step_up_range",
            ),
            models.CheckConstraint(
                condition=Q(risk_refuse_score__isnull=True) | Q(risk_refuse_score__lte=RISK_SCORE_RANGE[1]),
                name="policy_securitypolicy_risk_refuse_range",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Security policy of {self.entity}" if self.entity_id else "Security policy"
