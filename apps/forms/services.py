"""Writes of forms. Refusals are `ValidationError`s keyed by field with a `code` naming the rule:

templates: `name_required`, `invalid_schema` (+ the per-field codes of schema.schema_check), `no_changes`,
`form_archived`, `unknown_field`, `unknown_section`;
submissions: `form_not_published`, `form_not_available`, `unknown_version`, `unknown_workplace`,
`workplace_required`, `idempotency_conflict`, `not_a_draft`, `not_yours`, `invalid_answers` (+ the per-field
codes of schema.answers_check: `required`, `invalid_number`, `below_min`, `above_max`, `invalid_choice`,
`too_many_photos`, `too_few_photos`, …), `attachment_empty`, `attachment_too_large`, `attachment_type`,
`not_a_file_field`, `not_reviewable`, `already_reviewed`, `reason_required`, `comment_required`.

Hooks this app asks (answered by higher apps in their contributions.py, e.g. formstats):

- `forms.submission_status_changed`: `fn(submission, previous_status)`, called for every implementation
  inside the transaction that changes a submission's status (previous_status None for a submission created
  submitted directly; "draft" when a draft is submitted). Raise to roll the change back.
- `forms.submissions_bulk_created`: `fn(submission_ids)`, after rows were bulk-created already submitted
  (the demo and imports), in the same transaction.

Events (apps.core.events, after commit): form.published, submission.submitted, submission.approved,
submission.rejected, submission.commented.
"""

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from apps.approvals.models import ApprovalRequest
from apps.approvals.services import request_approve, request_reject, request_submit, workflow_active
from apps.core import hooks
from apps.core.actors import acting_person
from apps.core.errors import refused
from apps.core.events import publish, publish_many
from apps.core.uploads import MB, PHOTO_TYPES, upload_check

from . import schema as schema_rules
from .models import (
    FILE_TYPES,
    FieldType,
    FileKind,
    FormField,
    FormTemplate,
    FormVersion,
    Submission,
    SubmissionComment,
    SubmissionFile,
    SubmissionStatus,
    TaskTemplateForm,
    TemplateStatus,
)
from .payloads import submission_payload, template_payload

logger = logging.getLogger(__name__)

APPROVAL_KIND = "forms.submission"
MAX_PHOTO_BYTES = 10 * MB
SIGNATURE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
OPEN_APPROVAL = ("pending", "returned")


def _tenant() -> Any:
    return getattr(connection, "tenant", None)


def _save(row: Any, acting_user: Any, reason: str = "", **kwargs: Any) -> None:
    row._history_user = acting_person(acting_user)
    row._change_reason = reason[:100] or None
    row.save(**kwargs)


def errors_refusal(errors: schema_rules.Errors, code: str) -> ValidationError:
    """One ValidationError with a message per field key (each with its own code); `code` names the whole."""
    refusal = ValidationError(
        {
            key: [ValidationError(message, code=item_code) for message, item_code in items]
            for key, items in errors.items()
        }
    )
    refusal.code = code  # type: ignore[attr-defined]
    return refusal


# --- templates -----------------------------------------------------------------------------------------


def _name_check(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise refused("Name the form.", code="name_required", field="name")
    return name[:200]


@transaction.atomic
def template_create(
    *, name: str, acting_user: Any, description: str = "", schema: dict[str, Any] | None = None,
    workplaces: Iterable[Any] = (), roles: Iterable[Any] = (), review_required: bool = True,
) -> FormTemplate:  # fmt: skip
    """A draft template with its working copy (nobody fills it in until it is published)."""
    template = FormTemplate(
        name=_name_check(name), description=(description or "").strip(), review_required=review_required,
        draft_schema=schema_rules.schema_normalise(schema or {"sections": [{"title": "", "fields": []}]}),
        created_by=acting_person(acting_user),
    )  # fmt: skip
    _save(template, acting_user, "Created")
    template.workplaces.set(list(workplaces))
    template.roles.set(list(roles))
    return template


@transaction.atomic
def template_update(
    *, template: FormTemplate, acting_user: Any, name: str | None = None, description: str | None = None,
    review_required: bool | None = None, workplaces: Iterable[Any] | None = None, roles: Iterable[Any] | None = None,
) -> FormTemplate:  # fmt: skip
    """Name, description, review and assignment change at once (they are not part of a version)."""
    template = FormTemplate.objects.select_for_update().get(pk=template.pk)
    if name is not None:
        template.name = _name_check(name)
    if description is not None:
        template.description = description.strip()
    if review_required is not None:
        template.review_required = review_required
    _save(template, acting_user, "Edited")
    if workplaces is not None:
        template.workplaces.set(list(workplaces))
    if roles is not None:
        template.roles.set(list(roles))
    return template


@transaction.atomic
def template_schema_save(*, template: FormTemplate, schema: Any, acting_user: Any) -> FormTemplate:
    """Replace the working copy (the builder's save). Checked in full only when published; returns the
    template (its `draft_schema` normalised)."""
    template = FormTemplate.objects.select_for_update().get(pk=template.pk)
    if template.status == TemplateStatus.ARCHIVED:
        raise refused("This form is archived: restore it before editing.", code="form_archived")
    template.draft_schema = schema_rules.schema_normalise(schema)
    _save(template, acting_user, "Working copy edited")
    return template


def has_unpublished_changes(template: FormTemplate) -> bool:
    version = template.current_version
    return version is None or schema_rules.schema_normalise(version.schema) != schema_rules.schema_normalise(
        template.draft_schema
    )


@transaction.atomic
def template_publish(*, template: FormTemplate, acting_user: Any) -> FormVersion:
    """Publish the working copy as a new version (number = last + 1) with one FormField row per field; the
    template's current version becomes it. Earlier versions and their submissions stay as they were."""
    template = (
        FormTemplate.objects.select_for_update(of=("self",)).select_related("current_version").get(pk=template.pk)
    )
    if template.status == TemplateStatus.ARCHIVED:
        raise refused("This form is archived: restore it before publishing.", code="form_archived")
    schema = schema_rules.schema_normalise(template.draft_schema)
    errors = schema_rules.schema_check(schema)
    if errors:
        raise errors_refusal(errors, "invalid_schema")
    if template.current_version is not None and not has_unpublished_changes(template):
        raise refused("Nothing changed since the last version.", code="no_changes")
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = FormVersion.objects.create(template=template, number=number, schema=schema, published_at=timezone.now(),
                                         published_by=acting_person(acting_user))  # fmt: skip
    FormField.objects.bulk_create([
        FormField(version=version, key=field["key"], label=field["label"], type=field["type"],
                  section=field["section"][:200], position=position, required=bool(field.get("required")),
                  help_text=field.get("help_text", "")[:300], config=field.get("config") or {})
        for position, field in enumerate(schema_rules.fields_of(schema))
    ])  # fmt: skip
    template.current_version, template.status = version, TemplateStatus.PUBLISHED
    template.draft_schema = schema
    _save(template, acting_user, f"Published version {number}")
    publish("form.published", template_payload(template, version=number), tenant=_tenant())
    return version


@transaction.atomic
def template_archive(*, template: FormTemplate, acting_user: Any) -> FormTemplate:
    """Nobody fills it in any more (its submissions stay readable and reviewable)."""
    template = FormTemplate.objects.select_for_update().get(pk=template.pk)
    template.status = TemplateStatus.ARCHIVED
    _save(template, acting_user, "Archived")
    return template


@transaction.atomic
def template_restore(*, template: FormTemplate, acting_user: Any) -> FormTemplate:
    template = FormTemplate.objects.select_for_update().get(pk=template.pk)
    template.status = TemplateStatus.PUBLISHED if template.current_version_id else TemplateStatus.DRAFT
    _save(template, acting_user, "Restored")
    return template


# --- the builder's edits of the working copy -------------------------------------------------------------


def _edit(template: FormTemplate, acting_user: Any, change: Any) -> FormTemplate:
    """Apply `change(sections) -> sections` to the saved working copy (locked: two builders never lose an edit)."""
    with transaction.atomic():
        fresh = FormTemplate.objects.select_for_update(of=("self",)).get(pk=template.pk)
        sections = schema_rules.schema_normalise(fresh.draft_schema)["sections"]
        return template_schema_save(template=fresh, schema={"sections": change(sections)}, acting_user=acting_user)


def _locate(sections: list[dict[str, Any]], key: str) -> tuple[int, int]:
    for s, section in enumerate(sections):
        for f, field in enumerate(section["fields"]):
            if field["key"] == key:
                return s, f
    raise refused(f"This form has no field “{key}”.", code="unknown_field", field="key")


def _section_index(sections: list[dict[str, Any]], index: int) -> int:
    if not 0 <= index < len(sections):
        raise refused("No such section.", code="unknown_section", field="section")
    return index


def builder_section_add(*, template: FormTemplate, title: str, acting_user: Any) -> FormTemplate:
    def change(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [*sections, {"title": (title or "").strip()[:200], "fields": []}]

    return _edit(template, acting_user, change)


def builder_section_edit(
    *, template: FormTemplate, index: int, acting_user: Any, title: str | None = None, move: int = 0,
    remove: bool = False,
) -> FormTemplate:  # fmt: skip
    """Rename, move up (-1) / down (+1), or remove a section (its fields go to the previous section)."""

    def change(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
        at = _section_index(sections, index)
        if remove:
            removed = sections.pop(at)
            if sections:
                sections[max(at - 1, 0)]["fields"].extend(removed["fields"])
            elif removed["fields"]:
                sections = [{"title": "", "fields": removed["fields"]}]
            return sections
        if title is not None:
            sections[at]["title"] = title.strip()[:200]
        target = at + move
        if move and 0 <= target < len(sections):
            sections[at], sections[target] = sections[target], sections[at]
        return sections

    return _edit(template, acting_user, change)


def builder_field_save(
    *, template: FormTemplate, field: dict[str, Any], acting_user: Any, section: int = 0, original_key: str = ""
) -> FormTemplate:
    """Add a field at the end of a section, or replace the field `original_key` in place."""
    clean = schema_rules.schema_normalise({"sections": [{"fields": [field]}]})["sections"][0]["fields"][0]

    def change(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if original_key:
            s, f = _locate(sections, original_key)
            sections[s]["fields"][f] = clean
            return sections
        sections = sections or [{"title": "", "fields": []}]
        sections[_section_index(sections, section)]["fields"].append(clean)
        return sections

    return _edit(template, acting_user, change)


def builder_field_move(*, template: FormTemplate, key: str, move: int, acting_user: Any) -> FormTemplate:
    """Move a field up (-1) or down (+1), across into the neighbouring section at a section's edge."""

    def change(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
        s, f = _locate(sections, key)
        fields = sections[s]["fields"]
        target = f + move
        if 0 <= target < len(fields):
            fields[f], fields[target] = fields[target], fields[f]
        elif 0 <= s + move < len(sections):
            moved = fields.pop(f)
            if move < 0:
                sections[s - 1]["fields"].append(moved)
            else:
                sections[s + 1]["fields"].insert(0, moved)
        return sections

    return _edit(template, acting_user, change)


def builder_field_remove(*, template: FormTemplate, key: str, acting_user: Any) -> FormTemplate:
    def change(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
        s, f = _locate(sections, key)
        sections[s]["fields"].pop(f)
        return sections

    return _edit(template, acting_user, change)


# --- submissions ---------------------------------------------------------------------------------------


def _digest(**body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _file_digest(upload: Any) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _status_changed(submission: Submission, previous: str | None) -> None:
    """Tell every answer of `forms.submission_status_changed` (inside the caller's transaction)."""
    for fn in hooks.all("forms.submission_status_changed"):
        fn(submission, previous)


def submissions_bulk_created(submission_ids: Sequence[int]) -> None:
    """Tell every answer of `forms.submissions_bulk_created` (bulk loads of submitted rows)."""
    if submission_ids:
        for fn in hooks.all("forms.submissions_bulk_created"):
            fn(list(submission_ids))


def _version_for(template: FormTemplate, number: int | None) -> FormVersion:
    if template.status != TemplateStatus.PUBLISHED or template.current_version_id is None:
        code = "form_archived" if template.status == TemplateStatus.ARCHIVED else "form_not_published"
        raise refused("This form is not open for submissions.", code=code, field="template")
    if number is None or number == getattr(template.current_version, "number", None):
        return template.current_version  # type: ignore[return-value]
    found = FormVersion.objects.filter(template=template, number=number).first()
    if found is None:
        raise refused(f"This form has no version {number}.", code="unknown_version", field="version")
    return found


def _workplace_check(template: FormTemplate, workplace: Any) -> None:
    assigned = set(template.workplaces.values_list("pk", flat=True))
    if assigned and workplace is None:
        raise refused("Say where you filled it in: this form is for some workplaces.", code="workplace_required",
                      field="workplace")  # fmt: skip
    if workplace is not None and (not workplace.is_active or (assigned and workplace.pk not in assigned)):
        raise refused("This form is not used at that workplace.", code="unknown_workplace", field="workplace")


def _file_check(field: dict[str, Any], upload: Any) -> str:
    accept = SIGNATURE_TYPES if field["type"] == FieldType.SIGNATURE else PHOTO_TYPES
    return upload_check(upload, accept=accept, max_bytes=MAX_PHOTO_BYTES, field=field["key"])


def _fields_by_key(version: FormVersion) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for f in schema_rules.fields_of(version.schema)}


def _files_write(submission: Submission, files: dict[str, list[Any]]) -> None:
    fields = _fields_by_key(submission.version)
    existing = {(f.field_key, f.sha256) for f in submission.files.all()} if submission.pk else set()
    for key, uploads in files.items():
        field = fields.get(key)
        if field is None or field["type"] not in FILE_TYPES:
            raise refused(f"“{key}” is not a photo or signature field of this form.", code="not_a_file_field",
                          field=key)  # fmt: skip
        for upload in uploads:
            content_type = _file_check(field, upload)
            digest = _file_digest(upload)
            if (key, digest) in existing:
                continue  # the same bytes again: a retried upload
            existing.add((key, digest))
            row = SubmissionFile(submission=submission, field_key=key, content_type=content_type, size=upload.size,
                                 kind=FileKind.SIGNATURE if field["type"] == FieldType.SIGNATURE else FileKind.PHOTO,
                                 name=str(getattr(upload, "name", "") or "")[:200], sha256=digest)  # fmt: skip
            extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}
            row.file.save(f"{key}-{uuid.uuid4().hex[:12]}.{extension.get(content_type, 'bin')}", upload, save=False)
            row.save()


def _file_counts(submission: Submission) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in SubmissionFile.objects.filter(submission=submission).values_list("field_key", flat=True):
        counts[row] = counts.get(row, 0) + 1
    return counts


def _answers_validate(submission: Submission, answers: Any, *, complete: bool) -> dict[str, Any]:
    clean, errors = schema_rules.answers_check(
        submission.version.schema, answers, files=_file_counts(submission) if submission.pk else {}, complete=complete
    )
    if errors:
        raise errors_refusal(errors, "invalid_answers")
    return clean


def submission_create(
    *, template: FormTemplate, acting_user: Any, answers: Any, client_id: uuid.UUID | None = None,
    workplace: Any = None, task: Any = None, version: int | None = None, submit: bool = True,
    files: dict[str, list[Any]] | None = None,
) -> tuple[Submission, bool]:  # fmt: skip
    """A submission (or a draft when `submit` is False) by the acting person, with its files, all or nothing;
    `(submission, created)`. A retry with the same `client_id` and the same body returns the first one;
    another body under a used id is refused with `idempotency_conflict` (also when two retries race)."""
    person = acting_person(acting_user)
    if person is None:
        raise PermissionDenied("A submission is a person's: sign in as one (an API key has none).")
    client_id = client_id or uuid.uuid4()
    files = {key: list(uploads) for key, uploads in (files or {}).items() if uploads}
    body = _digest(template=template.pk, answers=answers, workplace=getattr(workplace, "pk", None),
                   task=getattr(task, "pk", None), version=version, submit=submit,
                   files={k: sorted(_file_digest(u) for u in v) for k, v in sorted(files.items())})  # fmt: skip
    existing = Submission.objects.filter(person=person, client_id=client_id).first()
    if existing is not None:
        return _same_or_conflict(existing, body), False
    try:
        return _create(template=template, person=person, answers=answers, client_id=client_id, body=body,
                       workplace=workplace, task=task, version=version, submit=submit, files=files), True  # fmt: skip
    except IntegrityError:
        again = Submission.objects.filter(person=person, client_id=client_id).first()
        if again is None:
            raise
        return _same_or_conflict(again, body), False


def _same_or_conflict(existing: Submission, body: str) -> Submission:
    if existing.body_sha256 and existing.body_sha256 != body:
        raise refused("This client id was already used for another submission.", code="idempotency_conflict",
                      field="client_id")  # fmt: skip
    return existing


@transaction.atomic
def _create(
    *, template: FormTemplate, person: Any, answers: Any, client_id: uuid.UUID, body: str, workplace: Any,
    task: Any, version: int | None, submit: bool, files: dict[str, list[Any]],
) -> Submission:  # fmt: skip
    template = FormTemplate.objects.select_related("current_version").get(pk=template.pk)
    chosen = _version_for(template, version)
    _workplace_check(template, workplace)
    submission = Submission(template=template, version=chosen, person=person, workplace=workplace, task=task,
                            client_id=client_id, body_sha256=body, status=SubmissionStatus.DRAFT)  # fmt: skip
    # Every answer and the files' counts in one pass (a message per field), before anything is written.
    counts = {key: len({_file_digest(u) for u in uploads}) for key, uploads in files.items()}
    clean, errors = schema_rules.answers_check(chosen.schema, answers, files=counts, complete=submit)
    if errors:
        raise errors_refusal(errors, "invalid_answers")
    submission.answers = clean
    with transaction.atomic():
        _save(submission, person, "Draft saved" if not submit else "Created")
        _files_write(submission, files)
        if submit:
            _submit(submission, answers, previous=None)
    return submission


@transaction.atomic
def submission_draft_update(*, submission: Submission, acting_user: Any, answers: Any,
                            workplace: Any = ..., replace: bool = False) -> Submission:  # fmt: skip
    """Change a draft's answers (merged into the saved ones unless `replace`); checked for types only."""
    submission = _draft_locked(submission, acting_user)
    merged = answers if replace or not isinstance(answers, dict) else {**submission.answers, **answers}
    if isinstance(merged, dict):
        merged = {k: v for k, v in merged.items() if v is not None}
    submission.answers = _answers_validate(submission, merged, complete=False)
    if workplace is not ...:
        _workplace_check(submission.template, workplace)
        submission.workplace = workplace
    _save(submission, acting_user, "Draft saved")
    return submission


def _draft_locked(submission: Submission, acting_user: Any) -> Submission:
    row = Submission.objects.select_for_update(of=("self",)).select_related("template", "version").get(pk=submission.pk)
    if row.person_id != getattr(acting_person(acting_user), "pk", None):
        raise PermissionDenied("Only the person who made this draft changes it.")
    if row.status != SubmissionStatus.DRAFT:
        raise refused("This submission was already sent: it can no longer change.", code="not_a_draft")
    return row


@transaction.atomic
def submission_file_add(*, submission: Submission, field_key: str, upload: Any, acting_user: Any) -> SubmissionFile:
    """Add a photo (or the signature) to a draft; the same bytes twice are one file (a retried upload)."""
    submission = _draft_locked(submission, acting_user)
    field = _fields_by_key(submission.version).get(field_key)
    if field is None or field["type"] not in FILE_TYPES:
        raise refused(f"“{field_key}” is not a photo or signature field of this form.", code="not_a_file_field",
                      field="field_key")  # fmt: skip
    _file_check(field, upload)
    digest = _file_digest(upload)
    same = SubmissionFile.objects.filter(submission=submission, field_key=field_key, sha256=digest).first()
    if same is not None:
        return same
    _low, high = schema_rules.photo_limits(field)
    if SubmissionFile.objects.filter(submission=submission, field_key=field_key).count() >= high:
        raise refused(f"“{field['label']}” takes at most {high} file(s).", code="too_many_photos", field=field_key)
    _files_write(submission, {field_key: [upload]})
    return SubmissionFile.objects.get(submission=submission, field_key=field_key, sha256=digest)


@transaction.atomic
def submission_file_remove(*, file: SubmissionFile, acting_user: Any) -> None:
    _draft_locked(file.submission, acting_user)
    file.file.delete(save=False)
    file.delete()


@transaction.atomic
def submission_submit(*, submission: Submission, acting_user: Any, answers: Any = None) -> Submission:
    """Send a draft: validated in full against its version (with its files). Sending a submission that was
    already sent returns it as it is (a retry)."""
    row = Submission.objects.select_for_update(of=("self",)).select_related("template", "version").get(pk=submission.pk)
    if row.person_id != getattr(acting_person(acting_user), "pk", None):
        raise PermissionDenied("Only the person who made this draft sends it.")
    if row.status != SubmissionStatus.DRAFT:
        return row
    if row.template.status == TemplateStatus.ARCHIVED:
        raise refused("This form is archived: it takes no more submissions.", code="form_archived", field="template")
    _submit(row, row.answers if answers is None else {**row.answers, **answers}, previous=SubmissionStatus.DRAFT)
    return row


def _submit(submission: Submission, answers: Any, *, previous: str | None) -> None:
    submission.answers = _answers_validate(submission, answers, complete=True)
    submission.status, submission.submitted_at = SubmissionStatus.SUBMITTED, timezone.now()
    _save(submission, submission.person, "Submitted")
    _status_changed(submission, previous)
    if submission.template.review_required and workflow_active(APPROVAL_KIND) is not None:
        try:
            with transaction.atomic():
                request_submit(kind=APPROVAL_KIND, subject=submission, requester=submission.person)
        except (ValidationError, PermissionDenied):
            # The workflow refused to route it (e.g. the person just left): the submission stands, and a
            # manager or an admin reviews it directly.
            logger.warning("forms: submission %s could not open its approval request", submission.pk)
    publish("submission.submitted", submission_payload(submission), tenant=_tenant())


# --- review --------------------------------------------------------------------------------------------


def approval_of(submission: Submission) -> ApprovalRequest | None:
    """The submission's open approval request, if a workflow reviews it."""
    return (
        ApprovalRequest.objects.filter(kind=APPROVAL_KIND, subject_id=str(submission.pk), status__in=OPEN_APPROVAL)
        .order_by("-created_at")
        .first()
    )


def submission_review(*, submission: Submission, outcome: str, acting_user: Any, note: str = "") -> Submission:
    """Approve or reject. With an open approval request, the decision goes through the approvals engine
    (the acting person must be asked to decide its open step; the final outcome comes back through
    `submission_decide`); without one, a reviewer (the view checked who) decides directly."""
    if outcome not in (SubmissionStatus.APPROVED, SubmissionStatus.REJECTED):
        raise refused("Approve or reject.", code="invalid_outcome", field="outcome")
    note = (note or "").strip()
    if outcome == SubmissionStatus.REJECTED and not note:
        raise refused("Say why it is rejected.", code="reason_required", field="note")
    request = approval_of(submission)
    if request is not None:
        if outcome == SubmissionStatus.APPROVED:
            request_approve(request=request, acting_user=acting_user, comment=note)
        else:
            request_reject(request=request, acting_user=acting_user, reason=note)
        submission.refresh_from_db()
        return submission
    return submission_decide(submission=submission, outcome=outcome, acting_user=acting_user, note=note)


@transaction.atomic
def submission_decide(*, submission: Submission, outcome: str, acting_user: Any, note: str = "") -> Submission:
    """Record the review's outcome (approved / rejected; "cancelled" leaves it submitted). Refused on a
    draft (`not_reviewable`) or when already reviewed (`already_reviewed`)."""
    row = Submission.objects.select_for_update(of=("self",)).select_related("template", "version", "workplace") \
        .get(pk=submission.pk)  # fmt: skip
    if outcome == "cancelled":
        return row
    if row.status == SubmissionStatus.DRAFT:
        raise refused("A draft is reviewed once it is sent.", code="not_reviewable", field="outcome")
    if row.status != SubmissionStatus.SUBMITTED:
        raise refused(f"This submission was already {row.status}.", code="already_reviewed", field="outcome")
    previous = row.status
    row.status, row.reviewed_at, row.reviewed_by = outcome, timezone.now(), acting_person(acting_user)
    row.review_note = (note or "").strip()
    _save(row, acting_user, f"{outcome.capitalize()}")
    _status_changed(row, previous)
    publish(f"submission.{outcome}", submission_payload(row, note=row.review_note), tenant=_tenant())
    return row


@transaction.atomic
def submission_comment(*, submission: Submission, acting_user: Any, body: str) -> SubmissionComment:
    body = (body or "").strip()
    if not body:
        raise refused("Write a comment.", code="comment_required", field="body")
    comment = SubmissionComment(submission=submission, author=acting_person(acting_user), body=body[:5000])
    _save(comment, acting_user, "Comment")
    publish(
        "submission.commented",
        submission_payload(submission, comment=comment.body[:300], author=str(comment.author_id or "")),
        tenant=_tenant(),
    )
    return comment


# --- the approval kind (contributions.py) ----------------------------------------------------------------


def approval_fields(submission: Submission) -> dict[str, Any]:
    return {"template": submission.template.name, "version": submission.version.number,
            "workplace": submission.workplace.code if submission.workplace else ""}  # fmt: skip


def approval_describe(submission: Submission) -> str:
    who = getattr(submission.person, "full_name", "") or getattr(submission.person, "email", "")
    where = f" at {submission.workplace.name}" if submission.workplace else ""
    return f"{who}: {submission.template.name}{where}"[:255]


def approval_sample() -> dict[str, Any]:
    return {"template": "Store visit", "version": 3, "workplace": "SYD-CBD"}


def approval_on_decision(request: Any, outcome: str) -> None:
    from apps.approvals.models import ApprovalEvent

    try:
        submission = Submission.objects.get(pk=int(request.subject_id))
    except (ObjectDoesNotExist, ValueError) as exc:
        raise ObjectDoesNotExist(f"The submission {request.subject_id} of this approval is gone.") from exc
    actions = {"approved": ("approved", "auto_approved"), "rejected": ("rejected", "auto_rejected")}.get(outcome, ())
    event = ApprovalEvent.objects.filter(request=request, action__in=actions).select_related("actor") \
        .order_by("-created_at", "-pk").first()  # fmt: skip
    submission_decide(submission=submission, outcome=outcome, acting_user=event.actor if event else None,
                      note=event.comment if event else "")  # fmt: skip


# --- tasks that require a form ---------------------------------------------------------------------------


@transaction.atomic
def task_template_form_set(*, task_template: Any, form_template: FormTemplate | None, acting_user: Any) -> None:
    """Require `form_template` to complete tasks made from `task_template` (None: no form required)."""
    current = TaskTemplateForm.objects.select_for_update().filter(task_template=task_template).first()
    if form_template is None:
        if current is not None:
            current._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
            current.delete()
        return
    if form_template.status == TemplateStatus.ARCHIVED:
        raise refused("Choose a form that is not archived.", code="form_archived", field="form_template")
    row = current or TaskTemplateForm(task_template=task_template)
    row.form_template = form_template
    _save(row, acting_user, "Form required")


def task_completion_check(task: Any) -> ValidationError | None:
    """The `tasks.completion_check` answer: a task made from a template that requires a form is completed
    only once a submission of that form naming the task was sent (submitted or approved)."""
    template_id = getattr(task, "template_id", None)
    if template_id is None:
        return None
    link = TaskTemplateForm.objects.select_related("form_template").filter(task_template_id=template_id).first()
    if link is None:
        return None
    sent = Submission.objects.filter(
        task_id=task.pk,
        template_id=link.form_template_id,
        status__in=(SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED),
    ).exists()
    if sent:
        return None
    return refused(f"Fill in the form “{link.form_template.name}” for this task before completing it.",
                   code="form_required")  # fmt: skip


def submissions_published(submissions: Sequence[Submission]) -> None:
    """Bulk loads: the submitted events of many rows in one batch."""
    publish_many("submission.submitted", [(_tenant(), submission_payload(s)) for s in submissions])
