"""Celery entry points of the support desk (beat schedule registered by support migration 0002)."""

from celery import shared_task
from django_tenants.utils import schema_context

from .sla import sla_breaches_flag


@shared_task(name="support.sla_sweep")
def sla_sweep() -> int:
    """Every 5 minutes: flag breached SLA clocks in one UPDATE. Returns how many tickets changed."""
    with schema_context("public"):
        return sla_breaches_flag()
