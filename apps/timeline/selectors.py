"""One tenant's timeline: a keyset-paginated merge of every source, newest first.

Cost: one query per source that the filters leave in, whatever the depth of the page (no COUNT,
no OFFSET). Each source returns at most `limit + 1` rows older than the cursor; the newest `limit`
of their union are the page, and the last of them is the next cursor.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django_tenants.utils import schema_context, schema_exists

from .sources import STAFF, TENANT, Cursor, Source, TimelineEntry, registered_sources

MAX_LIMIT = 200
# Tenants without a schema (not yet, or no more: also checked, one query) skip the tenant-schema sources.
NO_SCHEMA_STATUSES = {"requested", "deleted"}


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: str | None


def cursor_encode(cursor: Cursor) -> str:
    raw = f"{cursor.timestamp.isoformat()}|{cursor.source}|{cursor.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(value: str) -> Cursor:
    """Parse an opaque cursor; a tampered or malformed one is a ValidationError (a 400, not a 500)."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        stamp, source, pk = raw.split("|")
        timestamp = datetime.fromisoformat(stamp)
        if timestamp.tzinfo is None:
            raise ValueError("naive timestamp")
        return Cursor(timestamp=timestamp, source=source, id=int(pk))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError("Invalid cursor.", code="invalid_cursor") from exc


# Tenants whose schema is known to exist, as (tenant id, schema name): a per-process memo of the one
# catalogue lookup a page would otherwise make. Only "exists" is remembered, and a schema is dropped
# only after its tenant has left for a NO_SCHEMA_STATUSES status (checked first), so the memo cannot
# send a page to a missing schema. It is a cache of a tenant's status-dependent read, so the timeline
# forgets a tenant on its status events (`subscribers.py`, apps.core.events "tenant.*").
_SCHEMA_KNOWN: set[tuple[Any, str]] = set()


def tenant_schema_known(tenant: Any) -> bool:
    """Whether the tenant-schema sources can be read: not in a schema-less status, and its schema exists."""
    if tenant.status in NO_SCHEMA_STATUSES:
        return False
    key = (tenant.pk, tenant.schema_name)
    if key in _SCHEMA_KNOWN:
        return True
    if not schema_exists(tenant.schema_name):
        return False
    _SCHEMA_KNOWN.add(key)
    return True


def tenant_schema_forget(tenant_ids: set[Any]) -> None:
    """Drop the memo of these tenants (their status changed)."""
    for key in [key for key in _SCHEMA_KNOWN if key[0] in tenant_ids]:
        _SCHEMA_KNOWN.discard(key)


def timeline_sources(*, tenant: Any, audience: str, kinds: list[str] | None = None) -> list[Source]:
    """The sources that feed this tenant's timeline for this audience and these kinds."""
    has_schema = tenant_schema_known(tenant)
    return [
        source
        for source in registered_sources()
        if source.available()
        and (audience == STAFF or source.tenant_visible)
        and (not kinds or source.kind in kinds)
        and (has_schema or not source.tenant_schema)
    ]


def _fetch(source: Source, queryset: QuerySet[Any], tenant: Any, audience: str) -> list[TimelineEntry]:
    if source.tenant_schema:
        with schema_context(tenant.schema_name):
            return [source.to_entry(row, audience) for row in queryset]
    return [source.to_entry(row, audience) for row in queryset]


def timeline_page(
    *,
    tenant: Any,
    audience: str = STAFF,
    kinds: list[str] | None = None,
    actor: Any = None,
    since: datetime | None = None,
    until: datetime | None = None,
    correlation_id: str | None = None,
    cursor: str | Cursor | None = None,
    limit: int = 50,
) -> TimelinePage:
    if audience not in (STAFF, TENANT):
        raise ValueError(f"Unknown audience {audience!r}.")
    limit = max(1, min(limit, MAX_LIMIT))
    after = cursor_decode(cursor) if isinstance(cursor, str) else cursor
    entries: list[TimelineEntry] = []
    for source in timeline_sources(tenant=tenant, audience=audience, kinds=kinds):
        queryset = source.queryset(tenant=tenant, audience=audience, actor=actor, since=since, until=until,
                                   correlation_id=correlation_id, cursor=after, limit=limit)  # fmt: skip
        if queryset is not None:
            entries.extend(_fetch(source, queryset, tenant, audience))
    entries.sort(key=lambda entry: entry.sort_key, reverse=True)
    page, more = entries[:limit], len(entries) > limit
    _mark_related(page)
    last = page[-1] if page else None
    next_cursor = cursor_encode(Cursor(last.timestamp, last.source, last.id)) if more and last else None
    return TimelinePage(entries=page, next_cursor=next_cursor)


def _mark_related(entries: list[TimelineEntry]) -> None:
    """Entries that share a correlation id came from one request or task: say how many are on the page."""
    counts = Counter(entry.correlation_id for entry in entries if entry.correlation_id)
    for entry in entries:
        entry.related = counts.get(entry.correlation_id, 0) if entry.correlation_id else 0
