from typing import Any

from django.db.models import QuerySet

from apps.timeline.sources import AuditSource, Kind, TimelineEntry


class SampleSource(AuditSource):
    """The sample app's timeline: its own audit events ("sample.*"), read from the audit table."""

    name = "sample"
    kind = Kind.AUDIT

    def scope(self, queryset: QuerySet[Any], tenant: Any) -> QuerySet[Any]:
        return queryset.filter(tenant_id=tenant.pk, action__startswith="sample.")

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        return self.entry(row, audience, f"Sample: {row.action}")
