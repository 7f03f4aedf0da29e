"""Reads of incidents: who sees which (access.py decides), the register with its filters, an incident's
page in a fixed number of queries, and the CSV rows."""

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import (
    DEFAULT_DEADLINE_HOURS,
    Incident,
    IncidentAction,
    IncidentPerson,
    IncidentType,
    RegulatorDeadline,
    reference_parse,
)


def incidents_visible(*, user_id: Any = None) -> QuerySet[Incident]:
    """Everyone's incidents (user_id None: tenant admins, API keys), or those the person reported or
    investigates."""
    rows = Incident.objects.select_related("workplace", "reported_by")
    if user_id is not None:
        rows = rows.filter(Q(reported_by_id=user_id) | Q(investigator_id=user_id))
    return rows


def incident_register(
    rows: QuerySet[Incident],
    *,
    status: str = "",
    severity: str = "",
    type: str = "",
    workplace: Any = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    q: str = "",
    notifiable: bool | None = None,
) -> QuerySet[Incident]:
    """The register filtered: status ("open" for every open one), severity, type, site, occurred from/to
    (days, inclusive), notifiable, and a search of the reference, title, description and location."""
    if status == "open":
        rows = rows.exclude(status=Incident.Status.CLOSED)
    elif status:
        rows = rows.filter(status=status)
    if severity:
        rows = rows.filter(severity=severity)
    if type:
        rows = rows.filter(type=type)
    if workplace is not None:
        rows = rows.filter(workplace=workplace)
    if start:
        rows = rows.filter(occurred_at__date__gte=start)
    if end:
        rows = rows.filter(occurred_at__date__lte=end)
    if notifiable is not None:
        rows = rows.filter(notifiable=notifiable)
    q = (q or "").strip()
    if q:
        pk = reference_parse(q)
        text = Q(title__icontains=q) | Q(description__icontains=q) | Q(location_detail__icontains=q)
        rows = rows.filter(text | Q(pk=pk)) if pk is not None else rows.filter(text)
    return rows.annotate(action_count=Count("actions", distinct=True)).order_by("-occurred_at", "-id")


def incident_detail(rows: QuerySet[Incident], pk: Any) -> Incident | None:
    """One incident with its people, photos and actions (their tasks) prefetched: a fixed number of
    queries however many there are."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        rows.select_related("investigator", "closed_by")
        .prefetch_related(
            Prefetch("people", queryset=IncidentPerson.objects.select_related("user")),
            "attachments",
            Prefetch("actions", queryset=IncidentAction.objects.select_related("task", "task__assignee")),
        )
        .filter(pk=key)
        .first()
    )


CSV_HEADER = [
    "reference", "title", "type", "severity", "injury", "near_miss", "status", "site_code", "site",
    "location", "occurred_at", "reported_at", "reported_by", "notifiable", "regulator_deadline",
    "regulator_notified_at", "actions", "closed_at",
]  # fmt: skip


def _cell(value: Any) -> str:
    """A spreadsheet never runs a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def register_csv_rows(rows: QuerySet[Incident]) -> Iterator[list[str]]:
    yield CSV_HEADER
    for incident in rows.iterator(chunk_size=500):
        reporter = incident.reported_by
        yield [_cell(v) for v in (
            incident.reference, incident.title, incident.type, incident.severity, incident.injury, incident.near_miss,
            incident.status, incident.workplace.code, incident.workplace.name, incident.location_detail,
            _iso(incident.occurred_at), _iso(incident.reported_at), reporter.email if reporter else "",
            incident.notifiable, _iso(incident.regulator_deadline), _iso(incident.regulator_notified_at),
            getattr(incident, "action_count", ""), _iso(incident.closed_at),
        )]  # fmt: skip


def regulator_deadlines() -> dict[str, tuple[int, str]]:
    """(hours, rule) per incident type, in the types' order: the organisation's table, defaults for a
    type it has no row for."""
    rows = {row.incident_type: (row.hours, row.rule) for row in RegulatorDeadline.objects.all()}
    return {kind: rows.get(kind, (DEFAULT_DEADLINE_HOURS[kind], "")) for kind in IncidentType.values}
