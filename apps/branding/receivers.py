"""Cache invalidation only: a saved or deleted branding row drops its tenant's cached branding."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Branding
from .selectors import branding_cache_clear


@receiver([post_save, post_delete], sender=Branding, dispatch_uid="branding_cache_clear")
def _branding_changed(sender: Any, **kwargs: Any) -> None:
    # Now, so this transaction reads its own write; and after commit, in case another request
    # cached the old rows in between.
    branding_cache_clear()
    transaction.on_commit(_clear_in_schema(), robust=True)


def _clear_in_schema() -> Any:
    from django.db import connection
    from django_tenants.utils import schema_context

    schema = connection.schema_name  # type: ignore[attr-defined]

    def clear() -> None:
        with schema_context(schema):
            branding_cache_clear()

    return clear
