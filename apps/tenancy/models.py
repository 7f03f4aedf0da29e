import re
import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django_tenants.models import DomainMixin, TenantMixin

from apps.audit.history import history_records
from apps.core.correlation import correlation_id_field
from apps.core.crypto import secret_decrypt, secret_encrypt
from apps.core.currencies import CurrencyAmountsMixin, currency_exists, currency_exponent, currency_unknown_error

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,48}[a-z0-9]$")
# Slugs that would collide with platform hostnames, schemas or routes.
RESERVED_SLUGS = frozenset(
    {
        "admin", "api", "app", "assets", "billing", "cdn", "docs", "help", "internal", "localhost",
        "mail", "manage", "platform", "postgres", "public", "root", "static", "status", "support",
        "system", "template", "tenant", "www",
    }
)  # fmt: skip


def validate_tenant_slug(value: str) -> None:
    if not SLUG_PATTERN.match(value) or "--" in value:
        raise ValidationError(
            "Use 3-50 lowercase letters, digits and single hyphens, starting with a letter.",
            code="invalid_slug",
        )
    if value in RESERVED_SLUGS or value.startswith(("pg-", "t-")):
        raise ValidationError("“%(slug)s” is reserved.", code="reserved_slug", params={"slug": value})


def default_max_users() -> int:
    return settings.TENANT_DEFAULT_MAX_USERS


def schema_name_for_slug(slug: str) -> str:
    return "t_" + slug.replace("-", "_")


class ProrationRule(models.TextChoices):
    """How a change to a plan (per direction) is charged (apps.billing.proration)."""

    IMMEDIATE_PRORATED = "immediate_prorated", "At once, prorated for the rest of the period"
    IMMEDIATE_NO_PRORATION = "immediate_no_proration", "At once, no charge or credit until renewal"
    AT_RENEWAL = "at_renewal", "At the next renewal"


class Plan(CurrencyAmountsMixin, models.Model):
    """The plan catalogue: prices per billing cycle, limits and the features a plan unlocks."""

    currency_amount_fields = ("price_monthly", "price_quarterly", "price_annual")

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=50, unique=True, help_text="Identifier, e.g. “starter”.")
    display_name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    currency = models.CharField(max_length=3, default="AUD", help_text="ISO 4217 code, e.g. AUD, JPY, KWD.")
    # Up to 3 decimals (KWD); each price must fit its currency's precision (Plan.clean: no yen cents).
    price_monthly = models.DecimalField(max_digits=13, decimal_places=3, default=Decimal("0"))
    price_quarterly = models.DecimalField(max_digits=13, decimal_places=3, default=Decimal("0"))
    price_annual = models.DecimalField(max_digits=13, decimal_places=3, default=Decimal("0"))
    max_users = models.PositiveIntegerField(default=5)
    max_storage_gb = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("1"))
    api_calls_per_day = models.PositiveIntegerField(default=1000)
    # {"solutions": ["attendance", "tasks", ...], "flags": {"sso": false, "private_label": true}}
    features = models.JSONField(default=dict, blank=True)
    trial_days = models.PositiveIntegerField(default=0)
    # Proration per direction: moving to this plan from a cheaper one (upgrade) or a dearer one (downgrade).
    proration_upgrade = models.CharField(
        max_length=30, choices=ProrationRule.choices, default=ProrationRule.IMMEDIATE_PRORATED
    )
    proration_downgrade = models.CharField(
        max_length=30, choices=ProrationRule.choices, default=ProrationRule.AT_RENEWAL
    )
    stripe_product_id = models.CharField(max_length=100, blank=True, default="")
    stripe_price_id_monthly = models.CharField(max_length=100, blank=True, default="")
    stripe_price_id_quarterly = models.CharField(max_length=100, blank=True, default="")
    stripe_price_id_annual = models.CharField(max_length=100, blank=True, default="")
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_monthly__gte=0) & Q(price_quarterly__gte=0) & Q(price_annual__gte=0),
                name="tenancy_plan_prices_not_negative",
            ),
            models.CheckConstraint(condition=Q(max_storage_gb__gte=0), name="tenancy_plan_storage_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="tenancy_plan_currency_iso"),
            models.CheckConstraint(
                condition=Q(proration_upgrade__in=ProrationRule.values)
                & Q(proration_downgrade__in=ProrationRule.values),
                name="tenancy_plan_proration_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.name

    def clean(self) -> None:
        """An unknown currency is refused (naming the field); prices must fit the currency's precision."""
        super().clean()
        if not currency_exists(self.currency or ""):
            raise currency_unknown_error(self.currency or "")
        exponent = currency_exponent(self.currency)
        quantum, errors = Decimal(1).scaleb(-exponent), {}
        for field in self.currency_amount_fields:
            price = getattr(self, field)
            if price is None:
                continue
            if Decimal(price) != Decimal(price).quantize(quantum):
                errors[field] = ValidationError(
                    f"{self.currency} has {exponent} decimal place(s); {price} does not fit.", code="price_precision"
                )
            else:
                setattr(self, field, Decimal(price).quantize(quantum))  # held at the currency's precision
        if errors:
            raise ValidationError(errors)

    @property
    def solutions(self) -> list[str]:
        return list(self.features.get("solutions", []))


class PlanStatus(models.TextChoices):
    TRIAL = "trial", "Trial"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    SUSPENDED = "suspended", "Suspended"
    CANCELLED = "cancelled", "Cancelled"


class IsolationLevel(models.TextChoices):
    SCHEMA = "schema", "Own schema (shared database)"
    DEDICATED_DATABASE = "dedicated_database", "Dedicated database"


class TenantStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    PROVISIONING = "provisioning", "Provisioning"
    ACTIVE = "active", "Active"
    FAILED = "failed", "Failed"
    SUSPENDED = "suspended", "Suspended"
    ARCHIVED = "archived", "Archived"
    DELETED = "deleted", "Deleted"


class Tenant(TenantMixin):
    """A customer company. Its organisation lives in its own PostgreSQL schema."""

    Status = TenantStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=50, unique=True, validators=[validate_tenant_slug])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="tenants")
    plan_status = models.CharField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.TRIAL)
    billing_email = models.EmailField(blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="", help_text="ISO 3166-1 alpha-2, e.g. AU.")
    time_zone = models.CharField(max_length=64, default="UTC")
    # Limits: copied from the plan when it is set, and overridable per tenant.
    max_users = models.PositiveIntegerField(
        default=default_max_users, help_text="Active and suspended members count against this limit."
    )
    max_storage_gb = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("1"))
    api_calls_per_day = models.PositiveIntegerField(default=1000)
    # Current usage, refreshed by the usage aggregation task.
    current_users = models.PositiveIntegerField(default=0)
    current_storage_gb = models.DecimalField(max_digits=10, decimal_places=3, default=Decimal("0"))
    # Placement. Only "schema" is provisioned today; dedicated databases are recorded, and refused.
    isolation_level = models.CharField(max_length=30, choices=IsolationLevel.choices, default=IsolationLevel.SCHEMA)
    db_name = models.CharField(max_length=63, blank=True, default="")
    db_host = models.CharField(max_length=255, blank=True, default="")
    db_port = models.PositiveIntegerField(null=True, blank=True)
    db_user = models.CharField(max_length=63, blank=True, default="")
    db_password_encrypted = models.TextField(blank=True, default="", help_text="Encrypted with FIELD_ENCRYPTION_KEY.")
    # Lifecycle details
    failed_step = models.CharField(max_length=100, blank=True, default="")
    failure_error = models.TextField(blank=True, default="")
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=255, blank=True, default="")
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_reason = models.CharField(max_length=255, blank=True, default="")
    delete_after = models.DateTimeField(null=True, blank=True, help_text="Archived tenants are deleted after this.")
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Security policy at tenant level: members must enrol a second factor before using the portal.
    mfa_required = models.BooleanField(default=False)
    # The template is a registered tenant with no domain so that migrate_schemas keeps it current.
    is_template = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    # Schemas are created by apps.tenancy.services (clone of the template), never implicitly on save.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TenantStatus.values), name="tenancy_tenant_status_valid"),
            models.UniqueConstraint(
                fields=["is_template"], condition=Q(is_template=True), name="tenancy_tenant_one_template"
            ),
            models.CheckConstraint(
                condition=Q(plan_status__in=PlanStatus.values), name="tenancy_tenant_plan_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(isolation_level__in=IsolationLevel.values), name="tenancy_tenant_isolation_valid"
            ),
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{2}$"), name="tenancy_tenant_country_iso"
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="tenancy_tenant_status_created")]

    def __str__(self) -> str:
        return self.name

    @property
    def db_password(self) -> str:
        return secret_decrypt(self.db_password_encrypted)

    @db_password.setter
    def db_password(self, value: str) -> None:
        self.db_password_encrypted = secret_encrypt(value)

    @property
    def is_public(self) -> bool:
        from django_tenants.utils import get_public_schema_name

        return self.schema_name == get_public_schema_name()


class DomainVerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    VERIFIED = "verified", "Verified"


class TlsStatus(models.TextChoices):
    """What the last TLS check of a custom domain found (apps/domains/tls.py writes it)."""

    NONE = "none", "Not checked"
    PENDING = "pending", "Certificate pending"
    ACTIVE = "active", "Certificate issued"
    EXPIRING = "expiring", "Certificate expiring"
    FAILED = "failed", "Certificate failing"


def new_verification_token() -> str:
    return secrets.token_hex(16)


class Domain(DomainMixin):
    """A hostname that routes to a tenant. Unique across all tenants; one primary per tenant.

    Custom domains route only once verified (a DNS TXT record `_nidia-verification.<domain>` holding
    the token); `<slug>.<platform domain>` is created verified.
    """

    VerificationStatus = DomainVerificationStatus

    verification_status = models.CharField(
        max_length=20, choices=DomainVerificationStatus.choices, default=DomainVerificationStatus.UNVERIFIED
    )
    verification_token = models.CharField(max_length=64, default=new_verification_token)
    verified_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_error = models.CharField(max_length=255, blank=True, default="")
    tls_status = models.CharField(max_length=20, choices=TlsStatus.choices, default=TlsStatus.NONE)
    tls_expires_at = models.DateTimeField(null=True, blank=True, help_text="Expiry of the certificate last served.")
    tls_checked_at = models.DateTimeField(null=True, blank=True)
    tls_error = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_primary=True), name="tenancy_domain_one_primary_per_tenant"
            ),
            models.CheckConstraint(
                condition=Q(domain=models.functions.Lower("domain")), name="tenancy_domain_lowercase"
            ),
            models.CheckConstraint(
                condition=Q(tls_status__in=TlsStatus.values), name="tenancy_domain_tls_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verification_status == DomainVerificationStatus.VERIFIED


class ProvisioningJobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ProvisioningStepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ProvisioningJob(models.Model):
    """One run of the provisioning steps for a tenant; retried jobs keep their finished steps."""

    Status = ProvisioningJobStatus

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="provisioning_jobs")
    status = models.CharField(
        max_length=20, choices=ProvisioningJobStatus.choices, default=ProvisioningJobStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    admin_email = models.EmailField(blank=True, default="", help_text="Who is invited as the first tenant admin.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    correlation_id = correlation_id_field()  # the request that asked for it (staff admin, platform API, signup)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProvisioningJobStatus.values), name="tenancy_provisioningjob_status_valid"
            ),
            # At most one unfinished job per tenant: a duplicated "create" cannot start a second run.
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(status__in=["pending", "running"]),
                name="tenancy_provisioningjob_one_open_per_tenant",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="tenancy_job_tenant_created")]

    def __str__(self) -> str:
        return f"Provisioning {self.tenant} #{self.pk} ({self.status})"


class ProvisioningStep(models.Model):
    Status = ProvisioningStepStatus

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey(ProvisioningJob, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField()
    status = models.CharField(
        max_length=20, choices=ProvisioningStepStatus.choices, default=ProvisioningStepStatus.PENDING
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # The task run that last ran it: the request's id through the task header, a retry's own id.
    correlation_id = correlation_id_field()

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "name"], name="tenancy_provisioningstep_job_name_unique"),
            models.CheckConstraint(
                condition=Q(status__in=ProvisioningStepStatus.values), name="tenancy_provisioningstep_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class TenantUsageDaily(models.Model):
    """One row per tenant and day, written by the nightly usage aggregation."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="usage_days")
    date = models.DateField()
    active_users = models.PositiveIntegerField(default=0)
    storage_used_gb = models.DecimalField(max_digits=10, decimal_places=3, default=Decimal("0"))
    emails_sent = models.PositiveIntegerField(default=0)
    whatsapp_messages_sent = models.PositiveIntegerField(default=0)
    api_calls = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant", "-date"]
        constraints = [models.UniqueConstraint(fields=["tenant", "date"], name="tenancy_usage_tenant_date_unique")]

    def __str__(self) -> str:
        return f"{self.tenant} {self.date}"
