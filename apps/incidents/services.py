"""Writes of incidents. Refusals are `ValidationError`s whose `code` names the rule:

`title_required`, `description_required`, `invalid_type`, `invalid_severity`, `unknown_workplace`,
`occurred_in_future`, `invalid_position`, `injury_and_near_miss`, `invalid_status`,
`invalid_transition`, `actions_open`, `investigation_required`, `reason_required`, `incident_closed`,
`person_required`, `unknown_person`, `invalid_role`, `attachment_type`, `attachment_too_large`,
`attachment_empty`, `too_many_attachments`, `deadline_required`, `invalid_settings`, `invalid_hours`,
`idempotency_conflict`.

Every write keeps history (the acting user, the reason) and publishes its event after commit.
"""

import datetime
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.accounts.models import Membership
from apps.core.actors import acting_person
from apps.core.errors import refused
from apps.core.events import publish, publish_many
from apps.core.uploads import MB, PDF, PHOTO_TYPES, upload_check
from apps.tasks.models import OPEN_STATUSES as TASK_OPEN_STATUSES
from apps.tasks.models import TaskPriority
from apps.tasks.services import task_create
from apps.workplaces.models import Workplace, WorkplaceKind

from .models import (
    MAX_DEADLINE_HOURS,
    SERIOUS,
    TRANSITIONS,
    AttachmentKind,
    Incident,
    IncidentAction,
    IncidentAttachment,
    IncidentPerson,
    IncidentSettings,
    IncidentStatus,
    IncidentType,
    PersonRole,
    RegulatorDeadline,
    Severity,
)
from .payloads import incident_payload
from .selectors import regulator_deadlines

ACTION_ORIGIN = "incidents.action"
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)
TASK_PRIORITY = {Severity.CRITICAL: TaskPriority.URGENT, Severity.HIGH: TaskPriority.HIGH}
ATTACHMENT_TYPES = PHOTO_TYPES | {PDF}
ATTACHMENT_MAX_BYTES = 10 * MB
MAX_PER_INCIDENT = 20
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic", PDF: "pdf"}


def _save(incident: Incident, acting_user: Any, reason: str = "") -> None:
    incident._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    incident._change_reason = reason[:100] or None  # type: ignore[attr-defined]
    incident.save()


# --- Settings --------------------------------------------------------------------------------------


def settings_get() -> IncidentSettings:
    """This organisation's regulator rules (the defaults, unsaved, when it never changed them)."""
    return IncidentSettings.objects.filter(pk=1).first() or IncidentSettings()


@transaction.atomic
def settings_save(*, acting_user: Any, **fields: Any) -> IncidentSettings:
    current = IncidentSettings.objects.select_for_update().filter(pk=1).first() or IncidentSettings()
    for name, value in fields.items():
        setattr(current, name, value)
    try:
        current.full_clean()
    except ValidationError as exc:
        raise refused("; ".join(exc.messages), code="invalid_settings") from exc
    current._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    current.save()
    return current


@transaction.atomic
def deadline_hours_save(*, hours: dict[str, int], acting_user: Any, rules: dict[str, str] | None = None) -> None:
    """Set the hours (and optionally the rule's name) of some incident types, all or nothing. Incidents
    already flagged keep the deadline they were given."""
    for kind, value in hours.items():
        if kind not in IncidentType.values:
            raise refused(
                f"The type is one of {', '.join(IncidentType.values)}.", code="invalid_type", field=f"hours_{kind}"
            )
        if not isinstance(value, int) or not 1 <= value <= MAX_DEADLINE_HOURS:
            raise refused(f"From 1 to {MAX_DEADLINE_HOURS} hours after the incident.", code="invalid_hours",
                          field=f"hours_{kind}")  # fmt: skip
    rows = {row.incident_type: row for row in RegulatorDeadline.objects.select_for_update().filter(
        incident_type__in=list(hours))}  # fmt: skip
    for kind, value in hours.items():
        row = rows.get(kind) or RegulatorDeadline(incident_type=kind)
        rule = (rules or {}).get(kind, row.rule)
        if row.pk is not None and (row.hours, row.rule) == (value, rule):
            continue
        row.hours, row.rule = value, (rule or "").strip()[:200]
        row._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
        row.save()


def regulator_deadline(*, occurred_at: datetime.datetime, type: str) -> datetime.datetime:
    """When a notifiable incident of this type must have been notified: its type's hours after it occurred."""
    hours, _ = regulator_deadlines()[type]
    return occurred_at + datetime.timedelta(hours=hours)


# --- Reporting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonInput:
    role: str
    user: Any = None
    name: str = ""
    notes: str = ""


def _member_check(user: Any) -> None:
    schema = getattr(connection, "schema_name", "")
    active = Membership.objects.filter(
        user=user, tenant__schema_name=schema, status=Membership.Status.ACTIVE
    ).exists()  # fmt: skip
    if not active:
        raise refused("That person is not a member of this organisation.", code="unknown_person", field="people")


def _person_check(person: PersonInput) -> None:
    if person.role not in PersonRole.values:
        raise refused(f"A person's role is one of {', '.join(PersonRole.values)}.", code="invalid_role", field="people")
    if person.user is None and not (person.name or "").strip():
        raise refused("Name the person, or choose a member.", code="person_required", field="people")
    if person.user is not None:
        _member_check(person.user)


def _attachment_check(upload: Any, *, already: int = 0) -> str:
    """The sniffed content type of an acceptable upload (a photo or a PDF), else the refusal."""
    content_type = upload_check(upload, accept=ATTACHMENT_TYPES, max_bytes=ATTACHMENT_MAX_BYTES, field="photos")
    if already >= MAX_PER_INCIDENT:
        raise refused(f"An incident keeps at most {MAX_PER_INCIDENT} attachments.", code="too_many_attachments",
                      field="photos")  # fmt: skip
    return content_type


def _report_check(
    *, title: str, type: str, severity: str, description: str, workplace: Any, occurred_at: datetime.datetime,
    latitude: Any, longitude: Any, injury: bool, near_miss: bool, now: datetime.datetime,
) -> None:  # fmt: skip
    if not title:
        raise refused("Say in a few words what happened.", code="title_required", field="title")
    if not description:
        raise refused("Describe what happened.", code="description_required", field="description")
    if type not in IncidentType.values:
        raise refused(f"The type is one of {', '.join(IncidentType.values)}.", code="invalid_type", field="type")
    if severity not in Severity.values:
        raise refused(f"Severity is one of {', '.join(Severity.values)}.", code="invalid_severity", field="severity")
    if workplace is None or workplace.kind != WorkplaceKind.SITE or not workplace.is_active:
        raise refused("Choose an active site of this organisation.", code="unknown_workplace", field="workplace")
    if occurred_at > now + FUTURE_TOLERANCE:
        raise refused("An incident cannot have happened in the future.", code="occurred_in_future", field="occurred_at")
    if (latitude is None) != (longitude is None) or (
        latitude is not None and not (-90 <= Decimal(str(latitude)) <= 90 and -180 <= Decimal(str(longitude)) <= 180)
    ):
        raise refused("Give both latitude and longitude, in range, or neither.", code="invalid_position",
                      field="latitude")  # fmt: skip
    if injury and near_miss:
        raise refused("A near miss hurt nobody: it cannot also be an injury.", code="injury_and_near_miss",
                      field="near_miss")  # fmt: skip


def _existing_report(*, reported_by: Any, client_id: uuid.UUID | None) -> Incident | None:
    if client_id is None:
        return None
    return Incident.objects.select_related("workplace").filter(reported_by=reported_by, client_id=client_id).first()


def report_fingerprint(
    *, title: str, type: str, severity: str, occurred_at: datetime.datetime, workplace: Workplace | None,
    description: str, location_detail: str, latitude: Any, longitude: Any, injury: bool | None,
    near_miss: bool | None, immediate_actions: str, people: Sequence[PersonInput], photos: Sequence[Any],
    notifiable: bool | None,
) -> str:  # fmt: skip
    """SHA-256 of the normalised report (texts trimmed, the time in UTC, positions to 6 places, each photo by
    its bytes): a retry of the same report has the same fingerprint, whatever the JSON's key order or spacing."""
    body = {
        "title": (title or "").strip()[:200], "type": type, "severity": severity,
        "occurred_at": occurred_at.astimezone(datetime.UTC).isoformat(), "workplace": getattr(workplace, "pk", None),
        "description": (description or "").strip(), "location_detail": (location_detail or "").strip()[:300],
        "position": [None if v is None else str(Decimal(str(v)).quantize(Decimal("0.000001")))
                     for v in (latitude, longitude)],
        "injury": injury, "near_miss": near_miss, "immediate_actions": (immediate_actions or "").strip(),
        "notifiable": notifiable,
        "people": [[p.role, str(getattr(p.user, "pk", "") or ""), (p.name or "").strip(), p.notes or ""]
                   for p in people],
        "photos": [_file_digest(photo) for photo in photos],
    }  # fmt: skip
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _file_digest(upload: Any) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _retry_of(existing: Incident, fingerprint: str) -> Incident:
    """The first report, for a retry of it; a client id sent again with another report is refused."""
    if existing.client_fingerprint and existing.client_fingerprint != fingerprint:
        raise refused(
            f"This client_id was already used for another report ({existing.reference}); generate a new one for a "
            "new report.", code="idempotency_conflict", field="client_id",
        )  # fmt: skip
    return existing


def incident_report(
    *,
    title: str,
    type: str,
    severity: str,
    occurred_at: datetime.datetime,
    workplace: Workplace | None,
    description: str,
    acting_user: Any,
    client_id: uuid.UUID | None = None,
    location_detail: str = "",
    latitude: Any = None,
    longitude: Any = None,
    injury: bool | None = None,
    near_miss: bool | None = None,
    immediate_actions: str = "",
    people: Sequence[PersonInput] = (),
    photos: Sequence[Any] = (),
    notifiable: bool | None = None,
) -> tuple[Incident, bool]:
    """Record a report with its people and photos, all or nothing; `(incident, created)`. A retry with the
    same `client_id` (same reporter) and the same report returns the first one, also when two retries race;
    the same `client_id` with a different report is refused (`idempotency_conflict`)."""
    reporter = acting_person(acting_user)
    fingerprint = (
        report_fingerprint(
            title=title, type=type, severity=severity, occurred_at=occurred_at, workplace=workplace,
            description=description, location_detail=location_detail, latitude=latitude, longitude=longitude,
            injury=injury, near_miss=near_miss, immediate_actions=immediate_actions, people=people, photos=photos,
            notifiable=notifiable,
        ) if client_id is not None else ""
    )  # fmt: skip
    existing = _existing_report(reported_by=reporter, client_id=client_id)
    if existing is not None:
        return _retry_of(existing, fingerprint), False
    try:
        return _report_write(
            title=(title or "").strip()[:200], type=type, severity=severity, occurred_at=occurred_at,
            workplace=workplace, description=(description or "").strip(), acting_user=acting_user,
            reporter=reporter, client_id=client_id, client_fingerprint=fingerprint,
            location_detail=(location_detail or "").strip()[:300],
            latitude=latitude, longitude=longitude, injury=injury, near_miss=near_miss,
            immediate_actions=(immediate_actions or "").strip(), people=people, photos=photos, notifiable=notifiable,
        ), True  # fmt: skip
    except IntegrityError:
        # A concurrent retry with our client id committed first (the unique constraint decided).
        again = _existing_report(reported_by=reporter, client_id=client_id)
        if again is None:
            raise
        return _retry_of(again, fingerprint), False


@transaction.atomic
def _report_write(
    *, reporter: Any, people: Sequence[PersonInput], photos: Sequence[Any], acting_user: Any, injury: bool | None,
    near_miss: bool | None, notifiable: bool | None, **fields: Any,
) -> Incident:  # fmt: skip
    now = timezone.now()
    kind = fields["type"]
    injury = bool(injury) or kind == IncidentType.INJURY or any(p.role == PersonRole.INJURED for p in people)
    near_miss = bool(near_miss) or kind == IncidentType.NEAR_MISS
    _report_check(title=fields["title"], type=kind, severity=fields["severity"], description=fields["description"],
                  workplace=fields["workplace"], occurred_at=fields["occurred_at"], latitude=fields["latitude"],
                  longitude=fields["longitude"], injury=injury, near_miss=near_miss, now=now)  # fmt: skip
    for person in people:
        _person_check(person)
    if len(photos) > MAX_PER_INCIDENT:
        raise refused(f"An incident keeps at most {MAX_PER_INCIDENT} attachments.",
                      code="too_many_attachments", field="photos")  # fmt: skip
    types = [_attachment_check(photo) for photo in photos]
    if notifiable is None:
        notifiable = settings_get().auto_notifiable and (
            (injury and fields["severity"] in SERIOUS) or kind == IncidentType.DANGEROUS_OCCURRENCE
        )
    incident = Incident(
        **fields, injury=injury, near_miss=near_miss, reported_at=now, reported_by=reporter, status_changed_at=now,
        notifiable=notifiable,
        regulator_deadline=regulator_deadline(occurred_at=fields["occurred_at"], type=kind) if notifiable else None,
    )  # fmt: skip
    _save(incident, acting_user, "Reported")
    IncidentPerson.objects.bulk_create(
        [IncidentPerson(incident=incident, user=p.user, name="" if p.user else p.name.strip()[:200], role=p.role,
                        notes=(p.notes or "")[:500]) for p in people]
    )  # fmt: skip
    for photo, content_type in zip(photos, types, strict=True):
        _attachment_write(incident=incident, upload=photo, content_type=content_type, acting_user=acting_user)
    publish("incident.reported", incident_payload(incident), tenant=getattr(connection, "tenant", None))
    return incident


# --- Status workflow -------------------------------------------------------------------------------


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().select_related("workplace").get(pk=incident.pk)


def open_actions(incident: Incident) -> int:
    return IncidentAction.objects.filter(incident=incident, task__status__in=TASK_OPEN_STATUSES).count()


def _close_check(incident: Incident) -> None:
    still_open = open_actions(incident)
    if still_open:
        raise refused(
            f"{still_open} corrective action(s) are still open: finish or cancel them first.",
            code="actions_open",
            field="status",
        )
    if incident.is_serious and incident.investigation_completed_at is None:
        raise refused(
            "A high or critical incident is closed only after its investigation is completed.",
            code="investigation_required",
            field="status",
        )


@transaction.atomic
def incident_transition(*, incident: Incident, status: str, acting_user: Any, note: str = "") -> Incident:
    """Move the incident along its workflow (TRANSITIONS); closing needs every corrective action closed
    (and, when serious, the investigation completed); reopening needs a reason."""
    if status not in IncidentStatus.values:
        raise refused(f"Status is one of {', '.join(IncidentStatus.values)}.", code="invalid_status", field="status")
    incident = _locked(incident)
    before = incident.status
    if status == before:
        return incident
    if status not in TRANSITIONS[before]:
        raise refused(
            f"An incident that is {incident.get_status_display().lower()} cannot become "
            f"{IncidentStatus(status).label.lower()}.",
            code="invalid_transition",
            field="status",
        )
    note = (note or "").strip()
    now = timezone.now()
    if status == IncidentStatus.CLOSED:
        _close_check(incident)
        incident.closed_at, incident.closed_by, incident.closure_note = now, acting_person(acting_user), note
    if status == IncidentStatus.REOPENED:
        if not note:
            raise refused("Say why the incident is reopened.", code="reason_required", field="note")
        incident.closed_at, incident.closed_by = None, None
    incident.status, incident.status_changed_at = status, now
    _save(incident, acting_user, note or f"{before} → {status}")
    tenant = getattr(connection, "tenant", None)
    payload = incident_payload(
        incident, from_status=before, note=note, event_id=f"incident-{incident.pk}-{now.isoformat()}"
    )
    publish("incident.status_changed", payload, tenant=tenant)
    if status == IncidentStatus.CLOSED:
        publish("incident.closed", payload, tenant=tenant)
    return incident


def _open_check(incident: Incident) -> None:
    if not incident.is_open:
        raise refused("The incident is closed: reopen it first.", code="incident_closed")


@transaction.atomic
def incident_investigation_save(
    *, incident: Incident, acting_user: Any, findings: str, root_cause: str, investigator: Any = None,
    completed: bool = False,
) -> Incident:  # fmt: skip
    """Record the investigation; completing it stamps the time (a later edit un-completes only when asked)."""
    incident = _locked(incident)
    _open_check(incident)
    if investigator is not None:
        _member_check(investigator)
    findings, root_cause = (findings or "").strip(), (root_cause or "").strip()
    if completed and not (findings and root_cause):
        raise refused("A completed investigation states its findings and the root cause.",
                      code="findings_required", field="findings")  # fmt: skip
    incident.findings, incident.root_cause = findings, root_cause
    if investigator is not None:
        incident.investigator = investigator
    incident.investigation_completed_at = (incident.investigation_completed_at or timezone.now()) if completed else None
    if incident.status in (IncidentStatus.REPORTED, IncidentStatus.REOPENED):
        before, incident.status, incident.status_changed_at = (
            incident.status,
            IncidentStatus.UNDER_INVESTIGATION,
            timezone.now(),
        )
        publish("incident.status_changed", incident_payload(incident, from_status=before, note="Investigation started",
                event_id=f"incident-{incident.pk}-{incident.status_changed_at.isoformat()}"),
                tenant=getattr(connection, "tenant", None))  # fmt: skip
    _save(incident, acting_user, "Investigation completed" if completed else "Investigation updated")
    return incident


# --- People, photos, actions, regulator ------------------------------------------------------------


@transaction.atomic
def incident_person_add(*, incident: Incident, person: PersonInput, acting_user: Any) -> IncidentPerson:
    incident = _locked(incident)
    _open_check(incident)
    _person_check(person)
    if person.user is not None and IncidentPerson.objects.filter(incident=incident, user=person.user,
                                                                 role=person.role).exists():  # fmt: skip
        raise refused("That person is already listed in that role.", code="person_listed", field="people")
    row = IncidentPerson(incident=incident, user=person.user, name="" if person.user else person.name.strip()[:200],
                         role=person.role, notes=(person.notes or "")[:500])  # fmt: skip
    row._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    row.save()
    if person.role == PersonRole.INJURED and not incident.injury and not incident.near_miss:
        incident.injury = True
        _save(incident, acting_user, "Someone was injured")
    return row


@transaction.atomic
def incident_person_remove(*, person: IncidentPerson, acting_user: Any) -> None:
    _open_check(_locked(person.incident))
    person._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    person.delete()


def _attachment_write(*, incident: Incident, upload: Any, content_type: str, acting_user: Any) -> IncidentAttachment:
    name = str(getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:150]
    kind = AttachmentKind.PHOTO if content_type in PHOTO_TYPES else AttachmentKind.FILE
    row = IncidentAttachment(incident=incident, kind=kind, name=name, content_type=content_type, size=upload.size,
                             uploaded_by=acting_person(acting_user))  # fmt: skip
    row.file.save(f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}", upload, save=False)
    row.save()
    return row


@transaction.atomic
def incident_attachment_add(*, incident: Incident, upload: Any, acting_user: Any) -> IncidentAttachment:
    incident = _locked(incident)
    _open_check(incident)
    content_type = _attachment_check(upload, already=incident.attachments.count())
    return _attachment_write(incident=incident, upload=upload, content_type=content_type, acting_user=acting_user)


@transaction.atomic
def incident_action_create(
    *, incident: Incident, title: str, acting_user: Any, description: str = "", assignee: Any = None,
    due_at: datetime.datetime | None = None,
) -> IncidentAction:  # fmt: skip
    """A corrective action: a task at the incident's site (priority from its severity), linked back. An
    incident still being reported or investigated then requires action."""
    incident = _locked(incident)
    _open_check(incident)
    if assignee is not None:
        _member_check(assignee)
    task = task_create(
        title=title, acting_user=acting_user, workplace=incident.workplace, due_at=due_at, assignee=assignee,
        description=description or f"Corrective action for {incident.reference}: {incident.title}",
        priority=TASK_PRIORITY.get(incident.severity, TaskPriority.NORMAL),  # type: ignore[call-overload]
        origin_kind=ACTION_ORIGIN, origin_id=str(incident.pk),
    )  # fmt: skip
    action = IncidentAction(incident=incident, task=task, created_by=acting_person(acting_user))
    action._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    action.save()
    if incident.status in (IncidentStatus.REPORTED, IncidentStatus.UNDER_INVESTIGATION, IncidentStatus.REOPENED):
        incident_transition(incident=incident, status=IncidentStatus.ACTION_REQUIRED, acting_user=acting_user,
                            note=f"Corrective action: {task.title}")  # fmt: skip
    return action


@transaction.atomic
def incident_regulator_set(
    *, incident: Incident, notifiable: bool, acting_user: Any, deadline: datetime.datetime | None = None,
    notified_at: datetime.datetime | None = None, reference: str = "",
) -> Incident:  # fmt: skip
    """Flag (or unflag) the incident as notifiable to a regulator, with its deadline (its type's hours after
    it occurred, unless given; a deadline it already has is kept), and record that the regulator was told."""
    incident = _locked(incident)
    incident.notifiable = notifiable
    if notifiable:
        incident.regulator_deadline = (
            deadline
            or incident.regulator_deadline
            or regulator_deadline(occurred_at=incident.occurred_at, type=incident.type)
        )
        if deadline is not None:
            incident.regulator_warned_at = incident.regulator_overdue_at = None  # a new deadline warns again
    else:
        incident.regulator_deadline = None
        incident.regulator_warned_at = incident.regulator_overdue_at = None
    if notified_at is not None:
        if not notifiable:
            raise refused("Only a notifiable incident is notified to a regulator.", code="not_notifiable")
        if notified_at > timezone.now() + FUTURE_TOLERANCE:
            raise refused("The regulator cannot have been told in the future.", code="notified_in_future",
                          field="notified_at")  # fmt: skip
        incident.regulator_notified_at = notified_at
        incident.regulator_reference = (reference or "").strip()[:100]
    _save(incident, acting_user, "Regulator notified" if notified_at else "Regulator flag set")
    return incident


# --- The beat: regulator deadlines -----------------------------------------------------------------


def regulator_deadlines_sweep(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Warn the safety people once before each deadline (`incident.regulator_due`) and flag once each
    deadline that passed (`incident.regulator_overdue`); returns (warned, overdue)."""
    now = now or timezone.now()
    # A closed incident still owes the regulator its notice: every status counts.
    due = Incident.objects.filter(notifiable=True, regulator_notified_at__isnull=True)
    warn_before = datetime.timedelta(hours=settings_get().warn_hours_before)
    with transaction.atomic():
        overdue_ids = _stamp(due.filter(regulator_deadline__lte=now), "regulator_overdue_at", now)
        warned_ids = _stamp(
            due.filter(regulator_deadline__gt=now, regulator_deadline__lte=now + warn_before),
            "regulator_warned_at",
            now,
        )
        _publish_regulator("incident.regulator_overdue", overdue_ids)
        _publish_regulator("incident.regulator_due", warned_ids)
    return len(warned_ids), len(overdue_ids)


def _stamp(rows: Any, column: str, now: datetime.datetime) -> list[int]:
    table = Incident._meta.db_table
    ids = list(rows.filter(**{f"{column}__isnull": True}).values_list("pk", flat=True)[:1000])
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s WHERE id = ANY(%s) AND {column} IS NULL RETURNING id",
            [now, ids],
        )
        return [row[0] for row in cursor.fetchall()]


def _publish_regulator(event: str, ids: list[int]) -> None:
    if not ids:
        return
    tenant = getattr(connection, "tenant", None)
    rows = Incident.objects.filter(pk__in=ids).select_related("workplace").order_by("pk")
    publish_many(event, [(tenant, incident_payload(row, event_id=f"{event}-{row.pk}")) for row in rows])
