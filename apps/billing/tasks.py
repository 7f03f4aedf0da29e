"""Celery entry points of billing (beat schedules registered by tenancy migration 0008): thin
wrappers that switch to the public schema, where billing lives, and call the services."""

from datetime import UTC, datetime
from typing import Any

from celery import shared_task
from django_tenants.utils import schema_context

from apps.core.jobs import heartbeat_job

from .alerts import alerts_run
from .dunning import dunning_run
from .run import billing_run
from .trials import trial_notices_send


def _when(now: str | None) -> datetime | None:
    if not now:
        return None
    parsed = datetime.fromisoformat(now)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@shared_task(name="billing.run", time_limit=1800, soft_time_limit=1740)  # = JOBS_LONGEST_TIME_LIMIT
@heartbeat_job
def run(now: str | None = None) -> dict[str, Any]:
    """Daily (01:00 UTC): renew due subscriptions. A duplicate delivery, or the run re-sent after its
    worker died (apps.core.jobs), renews only what is left: each subscription period once."""
    with schema_context("public"):
        return billing_run(now=_when(now))


@shared_task(name="billing.dunning")
def dunning(now: str | None = None) -> dict[str, int]:
    """Hourly: retry failed payments that are due; suspend after the last, reactivate once paid."""
    with schema_context("public"):
        return dunning_run(now=_when(now))


@shared_task(name="billing.alerts")
def alerts(now: str | None = None) -> dict[str, int]:
    """Daily (02:00 UTC): usage near plan limits and cards expiring, emailed once each."""
    with schema_context("public"):
        return alerts_run(now=_when(now))


@shared_task(name="billing.trial_notices")
def trial_notices(now: str | None = None) -> dict[str, int]:
    """Daily (09:00 UTC): email each trial that ends within three days, once per trial end."""
    with schema_context("public"):
        return trial_notices_send(now=_when(now))
