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


class CorrelatedHistoricalRecords(HistoricalRecords):
    """A model's own `correlation_id` (the request that created the row) is not copied into its
    history: a historical row's `correlation_id` is the one of the change it records."""

    def create_history_model(self, model: Any, inherited: bool) -> Any:
        names = {field.name for field in model._meta.concrete_fields}
        excluded: list[str] = list(self.excluded_fields)  # type: ignore[has-type]
        if "correlation_id" in names and "correlation_id" not in excluded:
            self.excluded_fields = [*excluded, "correlation_id"]
        return super().create_history_model(model, inherited)


def history_records(**kwargs: Any) -> HistoricalRecords:
    """The project's one way to add history to a model."""
    kwargs.setdefault("bases", [CorrelatedHistoricalModel])
    return CorrelatedHistoricalRecords(**kwargs)


@receiver(pre_create_historical_record)
def _stamp_correlation_id(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    if hasattr(history_instance, "correlation_id") and not history_instance.correlation_id:
        history_instance.correlation_id = get_correlation_id()


def history_bulk_record(
    model: type[models.Model], pks: list[Any], *, history_type: str = "+", user_id: Any = None
) -> int:
    """The historical rows of many just-written rows in one `INSERT … SELECT` (what simple_history's
    `bulk_create_with_history` builds in Python one instance at a time): for generators that write
    thousands of rows at once. Returns how many rows were recorded."""
    from django.db import connection
    from django.utils import timezone

    if not pks:
        return 0
    history_model = model.history.model  # type: ignore[attr-defined]
    own = {"history_id", "history_date", "history_change_reason", "history_type", "history_user", "correlation_id"}
    columns = [f.column for f in history_model._meta.concrete_fields if f.name not in own]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    quote = connection.ops.quote_name
    table, source = quote(history_model._meta.db_table), quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)  # type: ignore[union-attr]
    sql = (
        f"INSERT INTO {table} ({quoted}, history_date, history_change_reason, history_type, history_user_id, "
        f"correlation_id) SELECT {quoted}, %s, NULL, %s, %s, %s FROM {source} WHERE {pk} = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), history_type, user_id, get_correlation_id() or "", list(pks)])
        return int(cursor.rowcount)
