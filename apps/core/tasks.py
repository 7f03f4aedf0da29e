from typing import Any

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from apps.core.correlation import get_correlation_id

from . import jobs


@shared_task(name="core.current_schema")
def current_schema() -> dict[str, str]:
    """Report where a task runs: its schema and correlation id (used by health and tests)."""
    return {
        "schema": connection.schema_name,  # type: ignore[attr-defined]
        "correlation_id": get_correlation_id(),
    }


def sender_tenant_pk() -> Any:
    """The pk of the tenant whose schema a task was sent from (tenant-schemas-celery switches to it
    before the task runs); None when it was sent from the public schema (the platform, beat).

    A task given an object id refuses an object of another tenant when a tenant sent it: an id that
    reached a task from one organisation's request must never act on another organisation's data.
    """
    if connection.schema_name == get_public_schema_name():  # type: ignore[attr-defined]
        return None
    return getattr(getattr(connection, "tenant", None), "pk", None)


def sender_may_touch(tenant_pk: Any) -> bool:
    """True when the task may act on an object of `tenant_pk` (None: a platform object)."""
    sender = sender_tenant_pk()
    return sender is None or tenant_pk is None or str(tenant_pk) == str(sender)


@shared_task(name="core.jobs_sweep", time_limit=60, soft_time_limit=50, ignore_result=True)
def jobs_sweep() -> dict[str, int]:
    """Every minute: re-send long jobs whose worker stopped beating (apps.core.jobs)."""
    with schema_context(get_public_schema_name()):
        return jobs.jobs_sweep()
