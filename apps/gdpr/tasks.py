"""Celery entry points of GDPR requests (the overdue check is scheduled by gdpr migration 0002)."""

from typing import Any

from celery import shared_task
from django_tenants.utils import get_public_schema_name, schema_context

from apps.core.tasks import sender_tenant_pk

from .models import GdprRequest
from .runner import gdpr_request_run
from .services import gdpr_exports_expire, gdpr_overdue_flag


@shared_task(name="gdpr.run_request", time_limit=900, soft_time_limit=840)
def run_request(request_id: int) -> dict[str, Any]:
    """Run an access (export) or erasure request, updating its progress as it goes. Idempotent:
    a request that is no longer ``received`` is left alone. Sent from an organisation (its portal or
    API), it runs only a request of one of that organisation's members."""
    sender = sender_tenant_pk()
    if (
        sender is not None
        and not GdprRequest.objects.filter(pk=request_id, subject__memberships__tenant_id=sender).exists()
    ):
        return {"skipped": True, "reason": "not_yours"}
    with schema_context(get_public_schema_name()):
        return gdpr_request_run(request_id=request_id)


@shared_task(name="gdpr.flag_overdue")
def flag_overdue() -> dict[str, int]:
    """Daily: flag open requests past their due date (one UPDATE), and delete the export
    archives whose download window has closed."""
    with schema_context(get_public_schema_name()):
        return {"overdue": gdpr_overdue_flag(), "archives_expired": gdpr_exports_expire()}
