"""Celery entry points of the tenancy beat tasks: usage aggregation and domain re-verification.

Thin: they switch to the public schema (where tenants, domains and usage rows live, whatever schema
the task was sent from) and call the services. Registered in beat by data migration 0005.
"""

import datetime as dt

from celery import shared_task
from django.utils import timezone
from django_tenants.utils import schema_context

from .domains import domains_reverify
from .usage import usage_aggregate


@shared_task(name="tenancy.aggregate_usage", time_limit=900, soft_time_limit=840)
def aggregate_usage(day: str | None = None) -> dict[str, int]:
    """Nightly (00:15 UTC): roll up yesterday's usage and today's so far, or only `day` (YYYY-MM-DD)."""
    today = timezone.now().astimezone(dt.UTC).date()
    days = [dt.date.fromisoformat(day)] if day else [today - dt.timedelta(days=1), today]
    with schema_context("public"):
        return {str(each): usage_aggregate(day=each) for each in days}


@shared_task(name="tenancy.reverify_domains")
def reverify_domains() -> dict[str, int]:
    """Hourly: check unverified custom domains, and verified ones not checked for a while."""
    with schema_context("public"):
        return domains_reverify()
