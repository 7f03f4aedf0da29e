from celery import shared_task
from django.db import connection

from apps.core.correlation import get_correlation_id


@shared_task(name="core.current_schema")
def current_schema() -> dict[str, str]:
    """Report where a task runs: its schema and correlation id (used by health and tests)."""
    return {
        "schema": connection.schema_name,  # type: ignore[attr-defined]
        "correlation_id": get_correlation_id(),
    }
