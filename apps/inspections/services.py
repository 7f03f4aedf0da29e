"""Writes of inspections. Refusals are `ValidationError`s whose `code` names the rule; nothing is
half-written (each service is one transaction).

- `template_publish`: a new version of a template (the first is version 1); results keep theirs.
- `schedule_create` and `inspections_generate` (the beat task's work, exactly once per occurrence).
- `inspection_claim` (an inspection offered to a role: the task engine's claim of its perform task decides),
  `inspection_start`, `evidence_add`, `inspection_submit` (scored server-side, idempotent on the client
  id; every failed item opens one corrective task through the task engine, linked back).
"""

import base64
import binascii
import contextlib
import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from apps.core.errors import refused
from apps.core.events import publish, publish_many
from apps.core.recurrence import occurrence_key, occurrences_between, rule_parse, zone
from apps.core.uploads import MB, PDF, PHOTO_TYPES, upload_check
from apps.tasks.models import AssigneeKind
from apps.tasks.services import task_claim, task_create, task_create_from_template, task_status_set
from apps.tenancy.context import connection_tenant
from apps.workplaces.models import Workplace, WorkplaceKind

from .models import (
    Answer,
    Evidence,
    Inspection,
    InspectionItem,
    InspectionSchedule,
    InspectionSection,
    InspectionStatus,
    InspectionTemplate,
    ItemKind,
)
from .payloads import failed_item_payload, inspection_payload

ORIGIN_INSPECTION = "inspections.inspection"
ORIGIN_ITEM = "inspections.item"
EVIDENCE_MAX_BYTES = 10 * MB
SIGNATURE_MAX_BYTES = 1 * MB
EVIDENCE_TYPES = PHOTO_TYPES | {PDF}
# No SVG: a drawn signature is a PNG, and an SVG can carry script when it is opened from our domain.
SIGNATURE_TYPES = frozenset({"image/png", "image/jpeg"})
VALUES = {
    ItemKind.PASS_FAIL: ("pass", "fail"),
    ItemKind.YES_NO_NA: ("yes", "no", "na"),
}
HUNDRED = Decimal(100)


def _actor(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


# Templates -----------------------------------------------------------------------------------------


def _items_check(sections: Sequence[Mapping[str, Any]]) -> None:
    if not sections or not any(section.get("items") for section in sections):
        raise refused("A template needs at least one item.", code="items_required", field="sections")
    for section in sections:
        if not str(section.get("title", "")).strip():
            raise refused("Every section needs a title.", code="section_title_required", field="sections")
        for item in section.get("items", ()):
            if not str(item.get("question", "")).strip():
                raise refused("Every item needs a question.", code="question_required", field="sections")
            if item.get("kind", ItemKind.PASS_FAIL) not in ItemKind.values:
                raise refused(f"An item's kind is one of {', '.join(ItemKind.values)}.", code="invalid_kind",
                              field="sections")  # fmt: skip


@transaction.atomic
def template_publish(
    *,
    code: str,
    name: str,
    sections: Sequence[Mapping[str, Any]],
    acting_user: Any,
    pass_mark: int = 80,
    description: str = "",
) -> InspectionTemplate:
    """Publish the template: version 1 for a new code, else the next version (the previous one is kept
    for the results made on it and no longer used for new inspections). `sections` are
    `{"title", "items": [{"question", "kind", "max_score", "fail_below", "weight", "is_required",
    "opens_task", "corrective_template", "corrective_title"}]}`, in order."""
    _items_check(sections)
    if not 0 <= int(pass_mark) <= 100:
        raise refused("The pass mark is a percentage from 0 to 100.", code="invalid_pass_mark", field="pass_mark")
    current = InspectionTemplate.objects.select_for_update().filter(code=code, is_current=True).first()
    version = (InspectionTemplate.objects.filter(code=code).aggregate(v=Max("version"))["v"] or 0) + 1
    if current is not None:
        current.is_current = False
        current._history_user = _actor(acting_user)  # type: ignore[attr-defined]
        current.save(update_fields=["is_current"])
    template = InspectionTemplate(code=code, version=version, name=(name or "").strip(), description=description,
                                  pass_mark=int(pass_mark))  # fmt: skip
    template._history_user = _actor(acting_user)  # type: ignore[attr-defined]
    template.full_clean(validate_constraints=False)
    template.save()
    _sections_write(template, sections)
    return template


def _sections_write(template: InspectionTemplate, sections: Sequence[Mapping[str, Any]]) -> None:
    position = 0
    items = []
    for index, data in enumerate(sections, start=1):
        section = InspectionSection.objects.create(template=template, position=index, title=str(data["title"])[:200])
        for raw in data.get("items", ()):
            position += 1
            item = InspectionItem(
                template=template, section=section, position=position, question=str(raw["question"])[:300],
                kind=raw.get("kind", ItemKind.PASS_FAIL), max_score=int(raw.get("max_score") or 1),
                fail_below=raw.get("fail_below"), weight=int(raw.get("weight", 1)),
                is_required=bool(raw.get("is_required", True)), opens_task=bool(raw.get("opens_task", True)),
                corrective_template=raw.get("corrective_template"),
                corrective_title=str(raw.get("corrective_title") or "")[:200],
            )  # fmt: skip
            try:
                item.full_clean(exclude=["template", "section", "corrective_template"], validate_constraints=False)
            except ValidationError as exc:
                raise refused(f"Item {position}: {'; '.join(exc.messages)}", code="invalid_item",
                              field="sections") from None  # fmt: skip
            items.append(item)
    InspectionItem.objects.bulk_create(items)


def template_sections(template: InspectionTemplate) -> list[dict[str, Any]]:
    """The template's sections and items in the shape `template_publish` takes (to edit and republish)."""
    by_section: dict[int, dict[str, Any]] = {}
    for section in template.sections.all():
        by_section[section.pk] = {"title": section.title, "items": []}
    for item in template.items.select_related("corrective_template"):
        by_section[item.section_id]["items"].append({
            "question": item.question, "kind": item.kind, "max_score": item.max_score,
            "fail_below": item.fail_below, "weight": item.weight, "is_required": item.is_required,
            "opens_task": item.opens_task, "corrective_template": item.corrective_template,
            "corrective_title": item.corrective_title,
        })  # fmt: skip
    return list(by_section.values())


# Schedules and generation --------------------------------------------------------------------------


def _schedule_rule(schedule: InspectionSchedule) -> Any:
    start = datetime.datetime.combine(schedule.starts_on, schedule.time_of_day)
    return rule_parse(schedule.rrule, dtstart=start)


@transaction.atomic
def schedule_create(
    *,
    template_code: str,
    workplace: Any,
    rrule: str,
    starts_on: datetime.date,
    time_of_day: datetime.time,
    acting_user: Any,
    assignee: Any = None,
    role: Any = None,
    creates_task: bool = False,
) -> InspectionSchedule:
    """A schedule at a site, or at a region or area (every active site below it). Assigned to a person, or
    offered to a role (anyone holding it at the site; each inspection then gets a perform task offered to
    the role, which is how it is claimed), or to nobody."""
    if not InspectionTemplate.objects.filter(code=template_code, is_current=True, is_active=True).exists():
        raise refused(f"No template {template_code}.", code="unknown_template", field="template")
    if workplace is None or not workplace.is_active:
        raise refused("Schedule inspections at an active site, area or region.", code="unknown_workplace",
                      field="workplace")  # fmt: skip
    if assignee is not None and role is not None:
        raise refused("Assign the inspections to a person or offer them to a role, not both.",
                      code="person_or_role", field="role")  # fmt: skip
    schedule = InspectionSchedule(template_code=template_code, workplace=workplace, rrule=rrule.strip(),
                                  starts_on=starts_on, time_of_day=time_of_day, assignee=assignee, role=role,
                                  creates_task=creates_task or role is not None)  # fmt: skip
    _schedule_rule(schedule)  # refuses invalid, unbounded or empty rules with their codes
    schedule._history_user = _actor(acting_user)  # type: ignore[attr-defined]
    schedule.save()
    return schedule


def _advisory_lock(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{getattr(connection, 'schema_name', 'public')}:{name}"]
        )


def schedule_sites(schedule: InspectionSchedule) -> list[Workplace]:
    """The sites a schedule covers now: its site, or the active sites below its region or area."""
    place = schedule.workplace
    if place.kind == WorkplaceKind.SITE:
        return [place] if place.is_active else []
    return list(Workplace.objects.sites().active().under(place).order_by("pk"))


@transaction.atomic
def schedule_generate(*, schedule: InspectionSchedule, start: datetime.datetime, end: datetime.datetime) -> int:
    """Due inspections of one schedule in [start, end): one per site and occurrence (in the site's time
    zone), exactly once however often and however concurrently it runs (an advisory lock per schedule, and
    the unique (schedule, site, occurrence) underneath with ON CONFLICT DO NOTHING)."""
    _advisory_lock(f"inspections.schedule:{schedule.pk}")
    template = InspectionTemplate.objects.filter(code=schedule.template_code, is_current=True, is_active=True).first()
    if template is None:
        return 0
    rule = _schedule_rule(schedule)
    rows = []
    for site in schedule_sites(schedule):
        tz = zone(site.time_zone)
        keys = {occurrence_key(instant, tz): instant for instant in occurrences_between(rule, tz=tz, start=start,
                                                                                         end=end)}  # fmt: skip
        existing = set(schedule.inspections.filter(workplace=site, occurrence_key__in=keys)
                       .values_list("occurrence_key", flat=True))  # fmt: skip
        rows += [Inspection(template=template, workplace=site, schedule=schedule, occurrence_key=key, due_at=instant,
                            assignee=schedule.assignee, role=schedule.role)
                 for key, instant in keys.items() if key not in existing]  # fmt: skip
    Inspection.objects.bulk_create(rows, ignore_conflicts=True)
    if schedule.creates_task and rows:
        new = schedule.inspections.filter(task__isnull=True, occurrence_key__in={row.occurrence_key for row in rows},
                                          workplace_id__in={row.workplace_id for row in rows})  # fmt: skip
        for inspection in new.select_related("workplace", "template", "role"):
            _perform_task_create(inspection)
    return len(rows)


def _perform_task_create(inspection: Inspection) -> None:
    offer = {"assignee_kind": AssigneeKind.ROLE, "role": inspection.role} if inspection.role_id else {
        "assignee": inspection.assignee}  # fmt: skip
    task = task_create(
        title=f"Inspect: {inspection.template.name}", acting_user=None, workplace=inspection.workplace,
        due_at=inspection.due_at, origin_kind=ORIGIN_INSPECTION, origin_id=str(inspection.pk), **offer,
    )  # fmt: skip
    Inspection.objects.filter(pk=inspection.pk).update(task=task)


def inspections_generate(*, now: datetime.datetime, horizon_days: int = 14) -> int:
    """Every active schedule's due inspections for the next `horizon_days` (the beat task's work)."""
    end = now + datetime.timedelta(days=horizon_days)
    created = 0
    for schedule in InspectionSchedule.objects.filter(is_active=True).select_related("workplace").order_by("pk"):
        try:
            created += schedule_generate(schedule=schedule, start=now, end=end)
        except ValidationError:
            continue  # a rule that ended; nothing to make
    return created


# Performing ----------------------------------------------------------------------------------------


@transaction.atomic
def inspection_start(
    *, acting_user: Any, inspection: Inspection | None = None, template: InspectionTemplate | None = None,
    workplace: Any = None,
) -> Inspection:  # fmt: skip
    """Start a due inspection, or an unscheduled one of the template's current version at a site."""
    now = timezone.now()
    if inspection is None:
        if template is None or workplace is None:
            raise refused("Name a due inspection, or a template and a site.", code="inspection_required")
        if not template.is_current or not template.is_active:
            raise refused(f"{template.code} v{template.version} is not the current version.",
                          code="template_not_current", field="template")  # fmt: skip
        inspection = Inspection.objects.create(template=template, workplace=workplace, due_at=now,
                                               assignee=_actor(acting_user), status=InspectionStatus.IN_PROGRESS,
                                               started_at=now)  # fmt: skip
        return inspection
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status in (InspectionStatus.SUBMITTED, InspectionStatus.CANCELLED):
        raise refused(f"This inspection is {inspection.get_status_display().lower()}.", code="inspection_closed")
    inspection = _claimed_by(inspection, acting_user)
    if inspection.status == InspectionStatus.DUE:
        inspection.status, inspection.started_at = InspectionStatus.IN_PROGRESS, now
        if inspection.assignee_id is None:
            inspection.assignee = _actor(acting_user)
        inspection._history_user = _actor(acting_user)  # type: ignore[attr-defined]
        inspection.save(update_fields=["status", "started_at", "assignee"])
    return inspection


@transaction.atomic
def inspection_claim(*, inspection: Inspection, acting_user: Any) -> Inspection:
    """Take an inspection offered to a role. The task engine decides, by claiming the inspection's perform
    task (`apps.tasks.services.task_claim`: the role held at the site, the first claimer wins; refusals
    `role_required`, `already_claimed`); the inspection then is the claimer's."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    _open(inspection)
    return _claimed_by(inspection, acting_user, explicit=True)


def _claimed_by(inspection: Inspection, acting_user: Any, *, explicit: bool = False) -> Inspection:
    """The (locked) inspection, claimed for `acting_user` first when it is offered to a role and not yet
    theirs; an inspection not offered to a role is returned as it is (or refused when claimed explicitly)."""
    person = _actor(acting_user)
    if inspection.role_id is None or inspection.task_id is None:
        if explicit:
            raise refused("This inspection is not offered to a role.", code="not_claimable")
        return inspection
    if person is not None and inspection.assignee_id == person.pk:
        return inspection
    task = inspection.task
    assert task is not None
    if person is None or task.assignee_id != person.pk:  # claimed already through the task: theirs
        task_claim(task=task, acting_user=acting_user)
    inspection.assignee = person
    inspection._history_user = person  # type: ignore[attr-defined]
    inspection.save(update_fields=["assignee"])
    return inspection


def claimed_through_task(*, task_id: int, inspection_id: int, assignee_id: Any) -> int:
    """An offered inspection whose perform task was claimed on the task's own page or endpoint follows it."""
    return Inspection.objects.filter(pk=inspection_id, task_id=task_id, assignee__isnull=True).update(
        assignee_id=assignee_id
    )


def _upload_check(upload: Any, *, accept: frozenset[str], max_bytes: int, field: str) -> str:
    """The sniffed type (`apps.core.uploads`); a refused type keeps this API's code `attachment_type_refused`."""
    try:
        return upload_check(upload, accept=accept, max_bytes=max_bytes, field=field)
    except ValidationError as exc:
        if exc.error_dict[field][0].code != "attachment_type":
            raise
        raise refused(exc.messages[0], code="attachment_type_refused", field=field) from None


def _open(inspection: Inspection) -> None:
    if inspection.status in (InspectionStatus.SUBMITTED, InspectionStatus.CANCELLED):
        raise refused(f"This inspection is {inspection.get_status_display().lower()}.", code="inspection_closed")


@transaction.atomic
def evidence_add(
    *, inspection: Inspection, upload: Any, acting_user: Any, item: InspectionItem | None = None
) -> Evidence:
    """A photo (or PDF) for the inspection, optionally for one item (limits: type and 10 MB)."""
    content_type = _upload_check(upload, accept=EVIDENCE_TYPES, max_bytes=EVIDENCE_MAX_BYTES, field="file")
    _open(inspection)
    if item is not None and item.template_id != inspection.template_id:
        raise refused("That item is not on this inspection's template.", code="unknown_item", field="item")
    name = (getattr(upload, "name", "") or "evidence").rsplit("/", 1)[-1][:200]
    evidence = Evidence(inspection=inspection, item=item, name=name, content_type=content_type, size=upload.size,
                        uploaded_by=_actor(acting_user))  # fmt: skip
    evidence.file.save(f"{uuid.uuid4().hex}-{name}", upload if isinstance(upload, File) else File(upload), save=False)
    evidence.save()
    return evidence


def signature_file(*, upload: Any = None, data_url: str = "") -> ContentFile | None:
    """The signature as a file: an uploaded image, or a drawn `data:image/png;base64,...` URL; either way
    its bytes must really be a PNG or JPEG of at most 1 MB."""
    if upload is not None:
        content_type = _upload_check(upload, accept=SIGNATURE_TYPES, max_bytes=SIGNATURE_MAX_BYTES, field="signature")
        return ContentFile(upload.read(), name=f"signature.{content_type.split('/')[-1]}")
    if not data_url:
        return None
    header, _, encoded = data_url.partition(",")
    if header not in ("data:image/png;base64", "data:image/jpeg;base64"):
        raise refused("Send the signature as a data:image/png;base64 URL.", code="invalid_signature",
                      field="signature")  # fmt: skip
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise refused("The signature is not valid base64.", code="invalid_signature", field="signature") from None
    drawn = ContentFile(raw, name="signature")
    content_type = _upload_check(drawn, accept=SIGNATURE_TYPES, max_bytes=SIGNATURE_MAX_BYTES, field="signature")
    drawn.name = f"signature.{content_type.split('/')[-1]}"
    return drawn


def answer_score(item: InspectionItem, value: str) -> tuple[Decimal, Decimal, bool]:
    """(earned, possible, failed) of one answer; N/A is (0, 0, False): left out of the score."""
    weight = Decimal(item.weight)
    if item.kind == ItemKind.SCORE:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if not 0 <= number <= item.max_score:
            raise refused(f"“{item.question}”: a score from 0 to {item.max_score}.", code="invalid_answer",
                          field="answers")  # fmt: skip
        failed = item.fail_below is not None and number < item.fail_below
        return weight * number / item.max_score, weight, failed
    if value not in VALUES[ItemKind(item.kind)]:
        raise refused(f"“{item.question}”: answer one of {', '.join(VALUES[ItemKind(item.kind)])}.",
                      code="invalid_answer", field="answers")  # fmt: skip
    if value == "na":
        return Decimal(0), Decimal(0), False
    good = value in ("pass", "yes")
    return (weight if good else Decimal(0)), weight, not good


def _answers_read(inspection: Inspection, answers: Iterable[Mapping[str, Any]]) -> list[Answer]:
    items = {item.pk: item for item in inspection.template.items.all()}
    found: dict[int, Answer] = {}
    for raw in answers:
        try:
            item = items[int(raw.get("item"))]  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            raise refused(f"No item {raw.get('item')} on this inspection's template.", code="unknown_item",
                          field="answers") from None  # fmt: skip
        value = str(raw.get("value", "")).strip().lower()
        if not value:
            continue  # unanswered: fine for an optional item, reported below for a required one
        earned, possible, failed = answer_score(item, value)
        found[item.pk] = Answer(inspection=inspection, item=item, value=value, earned=earned, possible=possible,
                                failed=failed, note=str(raw.get("note", ""))[:2000])  # fmt: skip
    missing = [item for item in items.values() if item.is_required and item.pk not in found]
    if missing:
        raise ValidationError({"answers": [ValidationError(f"“{item.question}” needs an answer.",
                                                            code="answers_missing", params={"item": item.pk})
                                           for item in missing]})  # fmt: skip
    return list(found.values())


def _score(answers: list[Answer]) -> Decimal:
    possible = sum((answer.possible for answer in answers), Decimal(0))
    earned = sum((answer.earned for answer in answers), Decimal(0))
    if not possible:
        return HUNDRED
    return (earned * HUNDRED / possible).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _corrective_task(inspection: Inspection, answer: Answer, acting_user: Any) -> Any:
    item = answer.item
    description = (f"Failed at the inspection {inspection.template.code} #{inspection.pk} on "
                   f"{inspection.submitted_at:%Y-%m-%d}: “{item.question}” answered {answer.value}."
                   + (f"\nNote: {answer.note}" if answer.note else ""))  # fmt: skip
    title = item.corrective_title or f"Fix: {item.question}"
    common = {"acting_user": acting_user, "workplace": inspection.workplace, "origin_kind": ORIGIN_ITEM,
              "origin_id": str(answer.pk)}  # fmt: skip
    if item.corrective_template is not None and item.corrective_template.is_active:
        return task_create_from_template(template=item.corrective_template, title=item.corrective_title or None,
                                         description=description, **common)  # fmt: skip
    return task_create(title=title, description=description, priority="high", **common)


@transaction.atomic
def inspection_submit(
    *,
    inspection: Inspection,
    answers: Iterable[Mapping[str, Any]],
    client_id: uuid.UUID | str,
    acting_user: Any,
    signature: ContentFile | None = None,
    notes: str = "",
) -> tuple[Inspection, bool]:
    """Submit the answers: (inspection, True) when submitted now, (inspection, False) for a retry with the
    same client id (nothing written twice, no second corrective task)."""
    try:
        client_id = uuid.UUID(str(client_id))
    except ValueError:
        raise refused("client_id is a UUID made by the client.", code="invalid_client_id", field="client_id") from None
    inspection = Inspection.objects.select_for_update().select_related("template", "workplace").get(pk=inspection.pk)
    if inspection.status == InspectionStatus.SUBMITTED:
        if inspection.client_id == client_id:
            return inspection, False
        raise refused("This inspection was already submitted.", code="already_submitted")
    _open(inspection)
    inspection = _claimed_by(inspection, acting_user)
    if Inspection.objects.filter(client_id=client_id).exclude(pk=inspection.pk).exists():
        raise refused("This client_id was used for another inspection.", code="client_id_reused", field="client_id")
    rows = _answers_read(inspection, answers)
    now = timezone.now()
    Answer.objects.bulk_create(rows)
    inspection.score = _score(rows)
    inspection.passed = inspection.score >= inspection.template.pass_mark
    inspection.status, inspection.submitted_at, inspection.client_id = InspectionStatus.SUBMITTED, now, client_id
    inspection.submitted_by, inspection.notes = _actor(acting_user), notes
    inspection.started_at = inspection.started_at or now
    if signature is not None:
        inspection.signature.save(signature.name or "signature.png", signature, save=False)
    inspection._history_user = _actor(acting_user)  # type: ignore[attr-defined]
    inspection.save()
    failed = [answer for answer in rows if answer.failed and answer.item.opens_task]
    for answer in failed:
        answer.corrective_task = _corrective_task(inspection, answer, acting_user)
    Answer.objects.bulk_update(failed, ["corrective_task"])
    _perform_task_close(inspection, acting_user)
    tenant = connection_tenant()
    publish("inspection.submitted", inspection_payload(inspection), tenant=tenant)
    publish_many("inspection.failed_item", [(tenant, failed_item_payload(inspection, a)) for a in failed])
    return inspection, True


def _perform_task_close(inspection: Inspection, acting_user: Any) -> None:
    if inspection.task_id is None:
        return
    # The task keeps its own rules (evidence, checklist): when they refuse, the inspection is submitted anyway.
    with contextlib.suppress(ValidationError):
        task_status_set(task=inspection.task, status="done", acting_user=acting_user,  # type: ignore[arg-type]
                        note="Inspection submitted")  # fmt: skip
