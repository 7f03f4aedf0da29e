"""Celery entry points of access control: thin wrappers around the services."""

import logging

from celery import shared_task
from django_tenants.utils import get_public_schema_name, schema_context

from apps.tenancy.models import Tenant

from .services import assignments_sweep

logger = logging.getLogger(__name__)


@shared_task(name="access.sweep_assignments")
def sweep_assignments() -> dict[str, dict[str, int]]:
    """Every minute (beat, tenancy migration 0006): in every active tenant's schema, start the
    assignments that are due and expire those past their end. One query per tenant when nothing is
    due; a failing tenant is logged and does not stop the others."""
    with schema_context(get_public_schema_name()):
        schemas = list(
            Tenant.objects.filter(status=Tenant.Status.ACTIVE, is_template=False)
            .exclude(schema_name=get_public_schema_name())
            .values_list("schema_name", flat=True)
        )
    changed: dict[str, dict[str, int]] = {}
    for schema in schemas:
        try:
            with schema_context(schema):
                counts = assignments_sweep()
        except Exception:
            logger.exception("Assignment sweep failed in schema %s", schema)
            continue
        if any(counts.values()):
            changed[schema] = counts
    return changed
