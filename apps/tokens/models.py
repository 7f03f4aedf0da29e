"""User API tokens: one family per sign-in (device), holding its chain of rotated refresh tokens.

Only refresh tokens are stored, and only as SHA-256 hashes with a short visible prefix; access
tokens are signed and self-contained (`apps.tokens.access_tokens`).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.audit.history import history_records


class FamilyRevokeReason(models.TextChoices):
    SIGNED_OUT = "signed_out", "Signed out on this device"
    REVOKED_ALL = "revoked_all", "Signed out everywhere"
    REUSE_DETECTED = "reuse_detected", "A rotated refresh token was reused"
    PASSWORD_CHANGED = "password_changed", "Password changed or reset"


class RefreshTokenFamily(models.Model):
    """One sign-in of a user on one tenant's API (a device or script), across its rotations."""

    RevokeReason = FamilyRevokeReason

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="token_families")
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    device_name = models.CharField(max_length=120, blank=True, default="")
    # The user's refresh_token_version when the family was opened; a later bump retires the family.
    refresh_token_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=20, choices=RevokeReason.choices, blank=True, default="")

    history = history_records()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "refresh token families"
        constraints = [
            models.CheckConstraint(
                condition=Q(revoke_reason="") | Q(revoke_reason__in=FamilyRevokeReason.values),
                name="tokens_family_revoke_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoke_reason="")
                | (Q(revoked_at__isnull=False) & ~Q(revoke_reason="")),
                name="tokens_family_revoked_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"], name="tokens_family_user_revoked")]

    def __str__(self) -> str:
        return f"{self.user} on {self.tenant} ({self.device_name or 'unnamed device'})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class RefreshToken(models.Model):
    """One refresh token of a family. Rows are never updated except to mark rotation or revocation,
    and every such change is timestamped in the row itself, so they carry no separate history
    (a history row per 15-minute rotation would double the writes for nothing)."""

    id = models.BigAutoField(primary_key=True)
    family = models.ForeignKey(RefreshTokenFamily, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The token's first characters, to recognise it.")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    rotated_at = models.DateTimeField(null=True, blank=True, help_text="When it was exchanged for its successor.")
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("issued_at")), name="tokens_refresh_expiry"),
            models.CheckConstraint(
                condition=Q(replaced_by__isnull=True) | Q(rotated_at__isnull=False),
                name="tokens_refresh_replaced_was_rotated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.family_id})"
