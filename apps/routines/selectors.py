"""Reads of routines."""

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from apps.core.recurrence import occurrence_key, zone

from .generation import routine_rule
from .models import Occurrence, Routine


def routine_list(*, workplace: str = "", status: str = "", search: str = "") -> QuerySet[Routine]:
    """Routines with their site and member count (two joins, no query per row)."""
    rows = Routine.objects.select_related("workplace").annotate(member_count=Count("members", distinct=True))
    if workplace:
        rows = rows.filter(workplace__code=workplace)
    if status:
        rows = rows.filter(status=status)
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(workplace__name__icontains=search))
    return rows


def routine_preview(
    routine: Routine, *, count: int = 10, after: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """The next `count` occurrences from `after` (now): local time, instant and what was recorded
    (generated, skipped, moved) — two queries whatever the count."""
    tz = zone(routine.workplace.time_zone)
    rule = routine_rule(routine)
    start = (after or datetime.datetime.now(datetime.UTC)).astimezone(tz).replace(tzinfo=None)
    walls = []
    for wall in rule.xafter(start, count=count, inc=True):
        walls.append(wall)
    instants = [wall.replace(tzinfo=tz).astimezone(datetime.UTC) for wall in walls]
    keys = [occurrence_key(instant, tz) for instant in instants]
    recorded = {o.key: o for o in Occurrence.objects.filter(routine=routine, key__in=keys)}
    rows = []
    for key, instant in zip(keys, instants, strict=True):
        found = recorded.get(key)
        when = found.at if found is not None else instant
        rows.append({
            "key": key, "at": when, "local": when.astimezone(tz).strftime("%a %d %b %Y %H:%M"),
            "state": "planned" if found is None else found.status, "moved": bool(found and found.at != instant),
            "occurrence_id": found.pk if found else None,
        })  # fmt: skip
    return rows
