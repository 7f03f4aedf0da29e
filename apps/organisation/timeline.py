"""Timelines of an entity and of a person, read from the simple-history tables.

An entity's timeline shows its creation, renames, moves, status, type and manager changes; a
person's shows their profile (status, job title, manager, employee code) and their entity
memberships (joins, leaves, primary entity changes). Each is a constant handful of queries: the
history rows in one, then the names they refer to in one query per kind.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from .models import Entity, EntityMembership, EntityType, MemberProfile


@dataclass
class TimelineEvent:
    at: datetime.datetime
    kind: str
    summary: str
    actor: str
    reason: str = ""
    changes: dict[str, Any] = field(default_factory=dict)
    correlation_id: str = ""


# Reasons the services record by default: the event's summary already says as much.
DEFAULT_REASONS = frozenset({"moved", "left", "preferences", "primary entity changed"})


def _reason(record: Any) -> str:
    reason = record.history_change_reason or ""
    return "" if reason in DEFAULT_REASONS else reason


def _actor(record: Any) -> str:
    user = record.history_user
    if user is None:
        return "system"
    return user.full_name or user.email


def _names(model: Any, ids: set[Any], label: Any) -> dict[Any, str]:
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return {}
    return {obj.pk: label(obj) for obj in model.objects.filter(pk__in=ids)}


def _profile_names(ids: set[Any]) -> dict[Any, str]:
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return {}
    people = MemberProfile.objects.filter(pk__in=ids).select_related("user")
    return {p.pk: (p.user.full_name or p.user.email) for p in people}


def _pairs(records: list[Any]) -> list[tuple[Any, Any]]:
    """(previous, record) for each history row, oldest first; previous is None for the first."""
    return [(records[i - 1] if i else None, record) for i, record in enumerate(records)]


def _name_or_id(names: dict[Any, str], pk: Any, noun: str) -> str:
    if pk is None:
        return "none"
    return names.get(pk, f"{noun} #{pk}")


# --- Entity -------------------------------------------------------------------------------------


def entity_timeline(entity: Entity) -> list[TimelineEvent]:
    """Newest first."""
    records = list(entity.history.select_related("history_user").order_by("history_date", "history_id"))
    entities = _names(Entity, {r.parent_id for r in records}, lambda e: e.name)
    types = _names(EntityType, {r.entity_type_id for r in records}, lambda t: t.name)
    managers = _profile_names({r.manager_id for r in records})
    events: list[TimelineEvent] = []
    for previous, record in _pairs(records):
        events.extend(_entity_events(previous, record, entities, types, managers))
    return list(reversed(events))


def _entity_events(
    previous: Any, record: Any, entities: dict[Any, str], types: dict[Any, str], managers: dict[Any, str]
) -> list[TimelineEvent]:
    def event(kind: str, summary: str, **changes: Any) -> TimelineEvent:
        return TimelineEvent(
            at=record.history_date, kind=kind, summary=summary, actor=_actor(record),
            reason=_reason(record), changes=changes,
        )  # fmt: skip

    if record.history_type == "+" or previous is None:
        where = _name_or_id(entities, record.parent_id, "entity") if record.parent_id else "the top"
        return [event("created", f"Created “{record.name}” under {where}")]
    if record.history_type == "-":
        return [event("deleted", f"Deleted “{record.name}”")]
    out = []
    if previous.name != record.name:
        out.append(event("renamed", f"Renamed from “{previous.name}” to “{record.name}”",
                         name=[previous.name, record.name]))  # fmt: skip
    if previous.parent_id != record.parent_id:
        old, new = (_name_or_id(entities, pk, "entity") for pk in (previous.parent_id, record.parent_id))
        out.append(event("moved", f"Moved from {old} to {new}", parent=[old, new]))
    if previous.status != record.status:
        out.append(event("status", f"Status changed from {previous.status} to {record.status}",
                         status=[previous.status, record.status]))  # fmt: skip
    if previous.entity_type_id != record.entity_type_id:
        old, new = (_name_or_id(types, pk, "type") for pk in (previous.entity_type_id, record.entity_type_id))
        out.append(event("type", f"Type changed from {old} to {new}", entity_type=[old, new]))
    if previous.manager_id != record.manager_id:
        old, new = (_name_or_id(managers, pk, "person") for pk in (previous.manager_id, record.manager_id))
        out.append(event("manager", f"Manager changed from {old} to {new}", manager=[old, new]))
    return out


# --- Person -------------------------------------------------------------------------------------

PROFILE_FIELDS = {"job_title": "Job title", "employee_code": "Employee code"}


def person_timeline(profile: MemberProfile) -> list[TimelineEvent]:
    """Newest first: profile changes and entity joins, leaves and primary changes."""
    profile_records = list(profile.history.select_related("history_user").order_by("history_date", "history_id"))
    membership_records = list(
        EntityMembership.history.filter(profile_id=profile.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    managers = _profile_names({r.manager_id for r in profile_records})
    entities = _names(Entity, {r.entity_id for r in membership_records}, lambda e: e.name)
    events: list[TimelineEvent] = []
    for previous, record in _pairs(profile_records):
        events.extend(_profile_events(previous, record, managers))
    by_membership: dict[Any, list[Any]] = {}
    for record in membership_records:
        by_membership.setdefault(record.id, []).append(record)
    membership_events: list[TimelineEvent] = []
    for records in by_membership.values():
        for previous, record in _pairs(records):
            membership_events.extend(_membership_events(previous, record, entities))
    events.extend(_moves_merged(membership_events))
    events.sort(key=lambda e: e.at, reverse=True)
    return events


def _moves_merged(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """A leave and a join in the same request (one correlation id) read as one move."""
    leaves = {e.correlation_id: e for e in events if e.kind == "left" and e.correlation_id}
    merged: list[TimelineEvent] = []
    used: set[int] = set()
    for event in events:
        left = leaves.get(event.correlation_id) if event.kind == "joined" and event.correlation_id else None
        if left is None or id(left) in used:
            merged.append(event)
            continue
        used.add(id(left))
        old, new = left.changes["entity"], event.changes["entity"]
        merged.append(
            TimelineEvent(
                at=event.at, kind="moved", summary=f"Moved from {old} to {new}", actor=event.actor,
                reason=event.reason or left.reason, changes={"entity": [old, new]},
                correlation_id=event.correlation_id,
            )
        )  # fmt: skip
    return [e for e in merged if id(e) not in used]


def _profile_events(previous: Any, record: Any, managers: dict[Any, str]) -> list[TimelineEvent]:
    def event(kind: str, summary: str, **changes: Any) -> TimelineEvent:
        return TimelineEvent(
            at=record.history_date, kind=kind, summary=summary, actor=_actor(record),
            reason=_reason(record), changes=changes,
        )  # fmt: skip

    if record.history_type == "+" or previous is None:
        return [event("created", "Profile created")]
    if record.history_type == "-":
        return [event("deleted", "Profile deleted")]
    out = []
    if previous.status != record.status:
        out.append(event("status", f"Status changed from {previous.status} to {record.status}",
                         status=[previous.status, record.status]))  # fmt: skip
    if previous.manager_id != record.manager_id:
        old, new = (_name_or_id(managers, pk, "person") for pk in (previous.manager_id, record.manager_id))
        out.append(event("manager", f"Manager changed from {old} to {new}", manager=[old, new]))
    for name, label in PROFILE_FIELDS.items():
        old, new = getattr(previous, name), getattr(record, name)
        if old != new:
            out.append(event(name, f"{label} changed from “{old or '—'}” to “{new or '—'}”", **{name: [old, new]}))
    if previous.preferences != record.preferences:
        out.append(event("preferences", "Preferences changed"))
    return out


def _membership_events(previous: Any, record: Any, entities: dict[Any, str]) -> list[TimelineEvent]:
    name = _name_or_id(entities, record.entity_id, "entity")

    def event(kind: str, summary: str) -> TimelineEvent:
        return TimelineEvent(
            at=record.history_date, kind=kind, summary=summary, actor=_actor(record),
            reason=_reason(record), changes={"entity": name}, correlation_id=record.correlation_id,
        )  # fmt: skip

    if record.history_type == "+":
        return [event("joined", f"Joined {name}" + (" (primary entity)" if record.is_primary else ""))]
    if record.history_type == "-":
        return [event("left", f"Left {name}")]
    if previous is not None and previous.is_primary != record.is_primary:
        # Only the gain is shown: the new primary entity says which one stopped being primary.
        return [event("primary", f"{name} became the primary entity")] if record.is_primary else []
    if previous is not None and previous.title != record.title:
        return [event("title", f"Title in {name} changed to “{record.title or '—'}”")]
    return []
