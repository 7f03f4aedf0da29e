import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django_tenants.models import DomainMixin, TenantMixin

from apps.audit.history import history_records

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
    # Limits (the plan catalogue will set the defaults; a tenant can be given its own).
    max_users = models.PositiveIntegerField(
        default=default_max_users, help_text="Active and suspended members count against this limit."
    )
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
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        from django_tenants.utils import get_public_schema_name

        return self.schema_name == get_public_schema_name()


class Domain(DomainMixin):
    """A hostname that routes to a tenant. Unique across all tenants; one primary per tenant."""

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
        ]

    def __str__(self) -> str:
        return self.domain
