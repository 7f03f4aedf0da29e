"""Celery entry points of domains: the TLS check of custom domains (declared in contributions.py)."""

from celery import shared_task
from django_tenants.utils import schema_context

from .tls import domains_tls_check


@shared_task(name="domains.check_tls", time_limit=900, soft_time_limit=840)
def check_tls() -> dict[str, int]:
    """Every 6 hours: connect to each verified custom domain and record its certificate's status."""
    with schema_context("public"):  # domains are public rows, whatever schema the task was sent from
        return domains_tls_check()
