from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_exists

from apps.audit import writes
from apps.audit.services import audit_record

from .models import Domain, Plan, Tenant, schema_name_for_slug
from .schemas import schema_clone

PLATFORM_SLUG = "_platform"
TEMPLATE_SLUG = "_template"


def tenant_snapshot(tenant: Tenant) -> dict[str, Any]:
    return {"name": tenant.name, "slug": tenant.slug, "schema_name": tenant.schema_name, "status": tenant.status}


@transaction.atomic
def platform_tenant_ensure(*, domain: str | None = None) -> Tenant:
    """The public tenant that serves the platform domain (staff admin, platform API)."""
    domain = (domain or settings.PLATFORM_DOMAIN).lower()
    tenant, _ = Tenant.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"name": "NIDIA Flow platform", "slug": PLATFORM_SLUG, "status": Tenant.Status.ACTIVE},
    )
    Domain.objects.get_or_create(
        domain=domain,
        defaults={"tenant": tenant, "is_primary": True, "verification_status": Domain.VerificationStatus.VERIFIED},
    )
    return tenant


def tenant_template_ensure(*, verbosity: int = 0) -> Tenant:
    """The migrated schema that new tenants are cloned from.

    It is a registered tenant without a domain, so `migrate_schemas` keeps it current and clones
    never miss a column.
    """
    template, _ = Tenant.objects.get_or_create(
        is_template=True,
        defaults={
            "name": "Tenant template",
            "slug": TEMPLATE_SLUG,
            "schema_name": settings.TENANT_TEMPLATE_SCHEMA,
            "status": Tenant.Status.ACTIVE,
        },
    )
    if not schema_exists(template.schema_name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{template.schema_name}"')
    # Cheap when nothing is pending; completes a half-migrated template after a crash.
    call_command(
        "migrate_schemas", tenant=True, schema_name=template.schema_name, interactive=False, verbosity=verbosity
    )
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    return template


@transaction.atomic
def tenant_create(*, name: str, slug: str, acting_user: Any, domain: str | None = None) -> Tenant:
    """Register a tenant, clone its schema from the template and give it `<slug>.<platform domain>`.

    One transaction: a failure leaves neither a tenant row nor a half-made schema.
    """
    template = Tenant.objects.get(is_template=True)
    tenant = Tenant(name=name, slug=slug, schema_name=schema_name_for_slug(slug), status=Tenant.Status.PROVISIONING)
    tenant.full_clean()
    tenant._history_user = acting_user  # type: ignore[attr-defined]
    tenant.save()
    schema_clone(source=template.schema_name, target=tenant.schema_name)
    hostname = Domain(
        domain=(domain or f"{slug}.{settings.PLATFORM_DOMAIN}").lower(),
        tenant=tenant,
        is_primary=True,
        # The platform's own subdomain is verified by construction; custom domains prove ownership by DNS.
        verification_status=Domain.VerificationStatus.VERIFIED,
        verified_at=timezone.now(),
    )
    hostname.full_clean()
    hostname._history_user = acting_user  # type: ignore[attr-defined]
    hostname.save()
    tenant.status = Tenant.Status.ACTIVE
    tenant.save(update_fields=["status", "updated_at"])
    audit_record(
        action="tenant.created", acting_user=acting_user, tenant=tenant, target=tenant, after=tenant_snapshot(tenant)
    )
    return tenant


# --- Plans (edited by staff in the admin) ---------------------------------------------------------


def plan_create(*, acting_user: Any, **fields: Any) -> Plan:
    """A new plan; history and an audit event (platform chain) name the staff member."""
    return writes.create(Plan, action="plan.created", acting_user=acting_user, tenant=None, **fields)


def plan_update(*, plan: Plan, acting_user: Any, **changes: Any) -> Plan:
    """Change some of a plan's fields; the audit event holds those fields before and after."""
    return writes.update(plan, lock=True, changes=changes, action="plan.updated", acting_user=acting_user, tenant=None)
