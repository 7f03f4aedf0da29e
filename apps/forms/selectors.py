"""Reads of forms: which templates a person may fill in (their roles and the workplaces their roles cover),
which submissions a person sees (their own; a manager also their reports'; admins and API keys all), the
submissions list with filters and keyset pagination, and a submission's page in a fixed number of queries."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Cast

from apps.access.selectors import assignments_of_user
from apps.approvals.models import ApprovalAssignment
from apps.organisation.models import EntityMembership, MemberProfile
from apps.workplaces.models import Workplace

from .models import FormTemplate, Submission, SubmissionComment, SubmissionStatus, TemplateStatus

PAGE_SIZE = 50
SUBJECT_MODEL = "forms.Submission"


@dataclass(frozen=True)
class Scope:
    """What a person holds: their role ids, and the workplaces they work at (None: not tied to any, or an
    assignment scoped to the organisation's root: every workplace)."""

    role_ids: frozenset[int]
    workplace_ids: frozenset[int] | None


def scope_of(user: Any) -> Scope:
    """The workplaces a person works at: those their role assignments cover (an entity subtree or one
    workplace) and those of the entities (teams, stores) they are a member of, with their subtrees. A person
    tied to none is not narrowed by workplace (a form's workplaces say where it is used, not a secret).
    Three queries at most."""
    workplace_type = ContentType.objects.get_for_model(Workplace).pk
    role_ids: set[int] = set()
    covered = Q(pk__in=[])
    tied = everywhere = False
    for role_id, entity_path, entity_parent, content_type, object_id in assignments_of_user(user).values_list(
        "role_id", "scope_entity__path", "scope_entity__parent_id", "scope_content_type_id", "scope_object_id"
    ):
        role_ids.add(role_id)
        if entity_path:
            everywhere = everywhere or entity_parent is None
            covered |= Q(entity__path__startswith=entity_path)
            tied = True
        elif content_type == workplace_type and object_id.isdigit():
            covered |= Q(pk=int(object_id))
            tied = True
    for path in EntityMembership.objects.filter(profile__user_id=user.pk).values_list("entity__path", flat=True):
        if path:
            covered |= Q(entity__path__startswith=path)
            tied = True
    if everywhere or not tied:
        return Scope(frozenset(role_ids), None)
    return Scope(frozenset(role_ids), frozenset(Workplace.objects.filter(covered).values_list("pk", flat=True)))


def templates_available(user: Any, *, everyone: bool = False) -> QuerySet[FormTemplate]:
    """Published templates `user` may fill in: no roles or one of theirs, and no workplaces or one their
    roles cover. `everyone` (tenant admins, API keys): every published template."""
    rows = FormTemplate.objects.filter(status=TemplateStatus.PUBLISHED).select_related("current_version")
    if everyone:
        return rows
    scope = scope_of(user)
    role_ok = ~Exists(FormTemplate.roles.through.objects.filter(formtemplate_id=OuterRef("pk"))) | Exists(
        FormTemplate.roles.through.objects.filter(formtemplate_id=OuterRef("pk"), role_id__in=scope.role_ids)
    )
    all_workplaces = ~Exists(FormTemplate.workplaces.through.objects.filter(formtemplate_id=OuterRef("pk")))
    if scope.workplace_ids is None:
        workplace_ok = Q(pk__isnull=False)
    else:
        workplace_ok = all_workplaces | Exists(
            FormTemplate.workplaces.through.objects.filter(
                formtemplate_id=OuterRef("pk"), workplace_id__in=scope.workplace_ids
            )
        )
    return rows.filter(role_ok).filter(workplace_ok)


def workplaces_for(template: FormTemplate, user: Any, *, everyone: bool = False) -> QuerySet[Workplace]:
    """The active workplaces where `user` may fill in `template`."""
    rows = Workplace.objects.filter(is_active=True)
    assigned = list(template.workplaces.values_list("pk", flat=True))
    if assigned:
        rows = rows.filter(pk__in=assigned)
    if not everyone:
        scope = scope_of(user)
        if scope.workplace_ids is not None and assigned:
            rows = rows.filter(pk__in=scope.workplace_ids)
    return rows.order_by("name", "pk")


def report_user_ids(user: Any) -> list[Any]:
    """The people who report to `user`, at any depth (their organisation chart)."""
    if not getattr(user, "pk", None):
        return []
    profile = MemberProfile.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    if profile is None:
        return []
    rows = MemberProfile.objects.filter(reporting_path__contains=f"/{profile}/").exclude(pk=profile)
    return list(rows.values_list("user_id", flat=True))


def submissions_visible(user: Any, *, everyone: bool = False) -> QuerySet[Submission]:
    """Everyone's (admins, API keys); else the person's own, their reports' (not drafts), and the ones an
    approval asks them to decide."""
    rows = Submission.objects.all()
    if everyone:
        return rows.exclude(Q(status=SubmissionStatus.DRAFT) & ~Q(person_id=getattr(user, "pk", None)))
    asked = ApprovalAssignment.objects.filter(
        approver_id=user.pk, request__subject_model=SUBJECT_MODEL, request__subject_id=Cast(OuterRef("pk"), CharField())
    )
    reports = report_user_ids(user)
    return rows.filter(
        Q(person_id=user.pk)
        | (Q(person_id__in=reports) & ~Q(status=SubmissionStatus.DRAFT))
        | (Exists(asked) & ~Q(status=SubmissionStatus.DRAFT))
    )


def submission_list(
    rows: QuerySet[Submission], *, template: Any = None, workplace: Any = None, person: Any = None,
    status: str = "", start: datetime.date | None = None, end: datetime.date | None = None,
    drafts: bool = False,
) -> QuerySet[Submission]:  # fmt: skip
    """Filtered, newest submitted first (drafts: newest changed first)."""
    rows = rows.select_related("template", "version", "person", "workplace")
    if drafts:
        rows = rows.filter(status=SubmissionStatus.DRAFT)
    elif status:
        rows = rows.filter(status=status)
    else:
        rows = rows.exclude(status=SubmissionStatus.DRAFT)
    if template is not None:
        rows = rows.filter(template=template)
    if workplace is not None:
        rows = rows.filter(workplace=workplace)
    if person is not None:
        rows = rows.filter(person=person)
    if start:
        rows = rows.filter(submitted_at__date__gte=start)
    if end:
        rows = rows.filter(submitted_at__date__lte=end)
    return rows.order_by("-updated_at", "-id") if drafts else rows.order_by("-submitted_at", "-id")


def keyset_page(rows: QuerySet[Submission], after: str = "", size: int = PAGE_SIZE) -> tuple[list[Submission], str]:
    """One page of submitted rows after the cursor "<iso submitted_at>|<id>"; (rows, next cursor or "")."""
    if after and "|" in after:
        moment_text, _, pk_text = after.partition("|")
        try:
            moment = datetime.datetime.fromisoformat(moment_text)
            pk = int(pk_text)
        except ValueError:
            moment, pk = None, 0
        if moment is not None:
            rows = rows.filter(Q(submitted_at__lt=moment) | Q(submitted_at=moment, pk__lt=pk))
    page = list(rows[: size + 1])
    more = len(page) > size
    page = page[:size]
    cursor = f"{page[-1].submitted_at.isoformat()}|{page[-1].pk}" if more and page[-1].submitted_at else ""
    return page, cursor


def submission_detail(rows: QuerySet[Submission], pk: Any) -> Submission | None:
    """One submission with its version, files and comments (their authors): a fixed number of queries."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        rows.select_related("template", "version", "person", "workplace", "task", "reviewed_by")
        .prefetch_related("files", Prefetch("comments", queryset=SubmissionComment.objects.select_related("author")))
        .filter(pk=key)
        .first()
    )
