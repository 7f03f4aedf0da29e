"""django-simple-history wiring: every historical row carries the request's correlation id.

The acting user comes from simple-history's HistoryRequestMiddleware on requests, and from
`instance._history_user = acting_user` in services and tasks.
"""

from typing import Any

from django.db import models
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from apps.core.correlation import get_correlation_id


class CorrelatedHistoricalModel(models.Model):
    correlation_id = models.CharField(max_length=128, blank=True, default="", db_index=True)

    class Meta:
        abstract = True


def history_records(**kwargs: Any) -> HistoricalRecords:
    """The project's one way to add history to a model."""
    kwargs.setdefault("bases", [CorrelatedHistoricalModel])
    return HistoricalRecords(**kwargs)


@receiver(pre_create_historical_record)
def _stamp_correlation_id(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    if hasattr(history_instance, "correlation_id") and not history_instance.correlation_id:
        history_instance.correlation_id = get_correlation_id()
