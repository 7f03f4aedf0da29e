"""Integrator API keys. Tenant schema: a key only exists inside its tenant, so a key of one
tenant is simply not found on another's domain."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.lookups import Regex
from django.utils import timezone

from apps.audit.history import history_records

from .scopes import SCOPE_PATTERN

# Every scope of a key has the "family:action" format: the array joined by commas matches this.
_SCOPE = SCOPE_PATTERN.strip("^$")
SCOPES_JOINED_PATTERN = f"^{_SCOPE}(,{_SCOPE})*$"
_SCOPES_JOINED = models.Func(
    models.F("scopes"), models.Value(","), function="array_to_string", output_field=models.TextField()
)


class ApiKeyStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self) -> "ApiKeyQuerySet":
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )


class ApiKey(models.Model):
    """A secret an integrator's system sends as `Authorization: Api-Key nf_<prefix>_<secret>`.

    Only the prefix (to find the row) and the SHA-256 of the whole key are stored; the key itself
    is shown once, when it is created.
    """

    Status = ApiKeyStatus

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=100, help_text="What uses this key, e.g. “Payroll sync”.")
    prefix = models.CharField(max_length=8, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = ArrayField(models.CharField(max_length=40), help_text="Granted scopes, e.g. members:read.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the key does not expire.")
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Users live in public; a tenant row may point at them (never the other way).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Usage stamps change every minute and the hash is secret-derived: neither belongs in history.
    history = history_records(excluded_fields=["key_hash", "last_used_at", "last_used_ip"])

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"
        constraints = [
            models.UniqueConstraint(
                Lower("name"), condition=Q(revoked_at__isnull=True), name="integrations_apikey_active_name_unique",
                violation_error_message="An active API key with this name already exists.",
                violation_error_code="name_taken",
            ),
            models.CheckConstraint(
                condition=Q(prefix__regex=r"^[a-z0-9]{8}$"), name="integrations_apikey_prefix_format"
            ),
            # A format check, not a list: which scopes exist is declared by the apps (scopes.py).
            models.CheckConstraint(
                condition=Q(scopes__len__gt=0) & Q(Regex(_SCOPES_JOINED, SCOPES_JOINED_PATTERN)),
                name="integrations_apikey_scopes_format",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("created_at")),
                name="integrations_apikey_expires_after_creation",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.name} (nf_{self.prefix}_…)"

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return ApiKeyStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return ApiKeyStatus.EXPIRED
        return ApiKeyStatus.ACTIVE

    def get_status_display(self) -> str:
        return ApiKeyStatus(self.status).label

    @property
    def display_prefix(self) -> str:
        return f"nf_{self.prefix}_…"


class IntegrationActivationStatus(models.TextChoices):
    ENABLED = "enabled", "Enabled"
    DISABLED = "disabled", "Disabled"


class IntegrationActivation(models.Model):
    """One catalogue integration (apps.catalogue.Integration, by code) as this tenant set it up.

    Settings that are not secret are kept as JSON in `configuration`; secrets are one JSON object
    encrypted with FIELD_ENCRYPTION_KEY (apps.core.crypto) in `secrets_encrypted`, never shown back
    in full and kept out of history. Writes go through apps.integrations.activations.
    """

    Status = IntegrationActivationStatus

    id = models.BigAutoField(primary_key=True)
    integration_code = models.SlugField(max_length=50, unique=True, help_text="A catalogue integration's code.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DISABLED)
    configuration = models.JSONField(default=dict, blank=True, help_text="Settings that are not secret.")
    secrets_encrypted = models.TextField(blank=True, default="", editable=False)
    scopes_granted = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The ciphertext changes on every save and means nothing to a reader: history keeps the rest.
    history = history_records(excluded_fields=["secrets_encrypted", "updated_at"])

    class Meta:
        ordering = ["integration_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=IntegrationActivationStatus.values),
                name="integrations_activation_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="enabled") | Q(activated_at__isnull=False),
                name="integrations_activation_enabled_has_activated_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.integration_code} ({self.get_status_display()})"

    @property
    def is_enabled(self) -> bool:
        return self.status == IntegrationActivationStatus.ENABLED
