"""Reads on workplaces, in the tenant's schema. Lists select their related rows: no query per row."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Department, Workplace, WorkplaceKind
from .public_holidays import holidays_between


def workplace_list(*, kind: str = "", search: str = "", active: bool | None = None) -> QuerySet[Workplace]:
    workplaces = Workplace.objects.select_related("parent", "parent__parent", "entity", "geofence")
    if kind:
        workplaces = workplaces.filter(kind=kind)
    if search:
        workplaces = workplaces.filter(
            Q(name__icontains=search) | Q(code__icontains=search) | Q(city__icontains=search)
        )
    if active is not None:
        workplaces = workplaces.filter(is_active=active)
    return workplaces


def workplace_get(key: str | int) -> Workplace:
    """A workplace by id or code (404 alike for "missing" and anything else)."""
    text = str(key).strip()
    lookup = Q(pk=int(text)) if text.isdigit() else Q(code=text.upper())
    found = workplace_list().filter(lookup).first()
    if found is None:
        raise Http404("No such workplace in this organisation.")
    return found


@dataclass(frozen=True)
class TreeNode:
    workplace: Workplace
    depth: int


def workplace_tree(*, active_only: bool = False) -> list[TreeNode]:
    """Regions, each followed by its areas, each followed by its sites (one query)."""
    rows = list(workplace_list(active=True if active_only else None))
    children: dict[int | None, list[Workplace]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    nodes: list[TreeNode] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for row in children.get(parent_id, []):
            nodes.append(TreeNode(row, depth))
            walk(row.pk, depth + 1)

    walk(None, 0)
    return nodes


def parent_choices(kind: str) -> QuerySet[Workplace]:
    """The workplaces that may be the parent of a workplace of `kind`."""
    wanted = {WorkplaceKind.AREA: WorkplaceKind.REGION, WorkplaceKind.SITE: WorkplaceKind.AREA}.get(kind)  # type: ignore[call-overload]
    return Workplace.objects.filter(kind=wanted, is_active=True) if wanted else Workplace.objects.none()


def departments_of(site: Workplace, *, active: bool | None = None) -> QuerySet[Department]:
    departments = Department.objects.filter(site=site).select_related("entity")
    return departments if active is None else departments.filter(is_active=active)


def department_get(site: Workplace, key: str | int) -> Department:
    text = str(key).strip()
    lookup = Q(pk=int(text)) if text.isdigit() else Q(code=text.upper())
    found = departments_of(site).filter(lookup).first()
    if found is None:
        raise Http404("No such department at this site.")
    return found


def next_holidays(workplace: Workplace, *, today: datetime.date, days: int = 365) -> list[tuple[datetime.date, str]]:
    """The public holidays of the coming `days` at the workplace, in date order."""
    return list(holidays_between(workplace, today, today + datetime.timedelta(days=days)).items())
