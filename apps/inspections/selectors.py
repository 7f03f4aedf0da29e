"""Reads of inspections: who sees which, the lists, and the trends (one aggregate query each)."""

import datetime
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncWeek

from .models import Answer, Inspection, InspectionStatus, InspectionTemplate


def inspection_list(
    *, user_id: Any = None, status: str = "", template: str = "", workplace: str = "", search: str = ""
) -> QuerySet[Inspection]:
    """Inspections, optionally only those a person may see (assigned to them, unassigned, or theirs)."""
    rows = Inspection.objects.select_related("template", "workplace", "assignee")
    if user_id is not None:
        rows = rows.filter(Q(assignee_id=user_id) | Q(assignee__isnull=True) | Q(submitted_by_id=user_id))
    if status == "open":
        rows = rows.filter(status__in=(InspectionStatus.DUE, InspectionStatus.IN_PROGRESS))
    elif status:
        rows = rows.filter(status=status)
    if template:
        rows = rows.filter(template__code=template)
    if workplace:
        rows = rows.filter(workplace__code=workplace)
    if search:
        rows = rows.filter(Q(template__name__icontains=search) | Q(workplace__name__icontains=search))
    return rows


def my_due(*, user: Any, until: datetime.datetime) -> QuerySet[Inspection]:
    """Due or started before `until`, assigned to `user` or to nobody (`user` None: to nobody only)."""
    mine = Q(assignee__isnull=True) if user is None else Q(assignee_id=user.pk) | Q(assignee__isnull=True)
    return (
        Inspection.objects.filter(mine, due_at__lt=until,
                                  status__in=(InspectionStatus.DUE, InspectionStatus.IN_PROGRESS))
        .select_related("template", "workplace", "assignee")
        .order_by("due_at", "id")
    )  # fmt: skip


def current_templates() -> QuerySet[InspectionTemplate]:
    return InspectionTemplate.objects.filter(is_current=True, is_active=True).order_by("name", "code")


def answers_of(inspection: Inspection) -> QuerySet[Answer]:
    return inspection.answers.select_related("item__section", "corrective_task").order_by("item__position")


def score_trend(*, template: str, workplace: str = "", since: datetime.datetime) -> list[dict[str, Any]]:
    """Average score and count of submitted inspections per week (all versions of the code)."""
    rows = Inspection.objects.filter(template__code=template, status=InspectionStatus.SUBMITTED,
                                     submitted_at__gte=since)  # fmt: skip
    if workplace:
        rows = rows.filter(workplace__code=workplace)
    weekly = (rows.annotate(week=TruncWeek("submitted_at")).values("week")
              .annotate(average=Avg("score"), count=Count("id"), failed=Count("id", filter=Q(passed=False)))
              .order_by("week"))  # fmt: skip
    return list(weekly)


def most_failed(
    *, template: str, workplace: str = "", since: datetime.datetime, limit: int = 10
) -> list[dict[str, Any]]:
    """The questions failed most often (by their text, across versions)."""
    rows = Answer.objects.filter(failed=True, inspection__template__code=template,
                                 inspection__submitted_at__gte=since)  # fmt: skip
    if workplace:
        rows = rows.filter(inspection__workplace__code=workplace)
    return list(
        rows.values("item__question").annotate(failures=Count("id")).order_by("-failures", "item__question")[:limit]
    )
