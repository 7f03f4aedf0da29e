"""Reads of inspections: who sees which, the lists, and the trends (one aggregate query each)."""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncWeek

from apps.tasks.models import Task
from apps.tasks.selectors import role_claim_q

from .models import Answer, Inspection, InspectionStatus, InspectionTemplate


def open_to(user: Any) -> Q:
    """Not yet anyone's and open to `user`: assigned to nobody, or offered to a role they may claim at the
    site (the task engine's rule, on the perform task: `apps.tasks.selectors.role_claim_q`)."""
    offered = Task.objects.filter(role_claim_q(user)).values("pk")
    return Q(assignee__isnull=True) & (Q(role__isnull=True) | Q(task_id__in=offered))


def inspection_list(
    *, user: Any = None, status: str = "", template: str = "", workplace: str = "", search: str = ""
) -> QuerySet[Inspection]:
    """Inspections, optionally only those a person may see (assigned to them, open to them, or submitted by
    them)."""
    rows = Inspection.objects.select_related("template", "workplace", "assignee", "role")
    if user is not None:
        rows = rows.filter(Q(assignee_id=user.pk) | Q(submitted_by_id=user.pk) | open_to(user))
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
    """Due or started before `until`, assigned to `user` or open to them (`user` None: to nobody only)."""
    mine = Q(assignee__isnull=True, role__isnull=True) if user is None else Q(assignee_id=user.pk) | open_to(user)
    return (
        Inspection.objects.filter(mine, due_at__lt=until,
                                  status__in=(InspectionStatus.DUE, InspectionStatus.IN_PROGRESS))
        .select_related("template", "workplace", "assignee", "role")
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
    return [{**week, "pass_rate": _rate(week["count"] - week["failed"], week["count"])} for week in weekly]


def _rate(passed: int, count: int) -> Decimal | None:
    return (Decimal(100) * passed / count).quantize(Decimal("0.1")) if count else None


def site_trends(*, template: str, since: datetime.datetime, workplace: str = "",
                per_site: int = 26) -> list[dict[str, Any]]:  # fmt: skip
    """Per site: the score of each of its last `per_site` submitted inspections in time order (one point per
    occurrence), how many there were, how many passed and the pass rate; worst pass rate first. Two
    queries (a window function keeps the last points of every site)."""
    rows = Inspection.objects.filter(template__code=template, status=InspectionStatus.SUBMITTED,
                                     submitted_at__gte=since)  # fmt: skip
    if workplace:
        rows = rows.filter(workplace__code=workplace)
    totals = {row["workplace"]: row for row in rows.values("workplace").annotate(
        count=Count("id"), passed=Count("id", filter=Q(passed=True)), average=Avg("score"),
        code=F("workplace__code"), name=F("workplace__name"))}  # fmt: skip
    recent = rows.annotate(rank=Window(RowNumber(), partition_by=[F("workplace_id")],
                                       order_by=[F("submitted_at").desc(), F("id").desc()]))  # fmt: skip
    points: dict[int, list[dict[str, Any]]] = {}
    for point in recent.filter(rank__lte=per_site).order_by("workplace_id", "submitted_at", "id").values(
            "id", "workplace_id", "occurrence_key", "due_at", "submitted_at", "score", "passed"):  # fmt: skip
        points.setdefault(point["workplace_id"], []).append(point)
    sites = [{"code": total["code"], "name": total["name"], "count": total["count"], "passed": total["passed"],
              "pass_rate": _rate(total["passed"], total["count"]), "average": total["average"],
              "points": points.get(pk, [])} for pk, total in totals.items()]  # fmt: skip
    return sorted(sites, key=lambda site: (site["pass_rate"], site["name"]))


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
