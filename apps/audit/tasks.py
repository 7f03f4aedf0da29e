"""Celery entry points of the audit log (beat schedule declared in apps/audit/contributions.py)."""

from celery import shared_task
from django_tenants.utils import schema_context

from .checkpoints import audit_checkpoint_take


@shared_task(name="audit.checkpoint", ignore_result=True)
def audit_checkpoint() -> int:
    """Hourly: sign every chain's head, so rows deleted at the end are found within the hour."""
    with schema_context("public"):
        return len(audit_checkpoint_take())
