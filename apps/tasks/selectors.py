"""Reads of the task engine, in the tenant's schema: what a person may see, lists with filters, "my
tasks today" (their own plus the role tasks they may claim), and the task page's parts. Every list is a
constant number of queries: checklist progress comes as correlated subqueries evaluated for the page's
rows only, never a GROUP BY over the table."""

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields import DateField
from django.db.models.functions import ASin, Coalesce, Cos, Now, Power, Radians, Sin, Sqrt
from django.utils import timezone

from apps.access.selectors import assignments_of_user
from apps.core.geodesy import EARTH_RADIUS_M
from apps.organisation.models import EntityMembership, MemberProfile
from apps.workplaces.models import Workplace

from .models import OPEN_STATUSES, ChecklistItem, Task, TaskWatcher

FAR_AWAY_M = 1e9  # tasks without a located workplace sort last "near me"
# Any local day lies within this much of the UTC instant (time zones span UTC-12 to UTC+14).
LOCAL_DAY_SLACK = datetime.timedelta(hours=38)


def _count(**condition: Any) -> Subquery:
    rows = ChecklistItem.objects.filter(task=OuterRef("pk"), **condition).order_by().values("task")
    return Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField())


def with_progress(rows: QuerySet[Task]) -> QuerySet[Task]:
    return rows.annotate(items_total=Coalesce(_count(), 0), items_done=Coalesce(_count(done_at__isnull=False), 0))


def role_claim_q(user: Any) -> Q:
    """The role tasks `user` may claim: unclaimed, of a role they hold, at a workplace in the assignment's
    scope (an entity subtree or the workplace itself). One query (their assignments)."""
    workplace_type = ContentType.objects.get_for_model(Workplace).pk
    found = Q(pk__in=[])
    for role_id, entity_path, content_type, object_id in assignments_of_user(user).values_list(
        "role_id", "scope_entity__path", "scope_content_type_id", "scope_object_id"
    ):
        if entity_path:
            # Conditions on the task's own columns (workplace ids by subquery), so the planner can OR the
            # role index with the assignee index instead of joining first.
            in_scope = Workplace.objects.filter(Q(entity__path__startswith=entity_path) | Q(entity__isnull=True))
            found |= Q(role_id=role_id) & (Q(workplace_id__in=in_scope.values("pk")) | Q(workplace__isnull=True))
        elif content_type == workplace_type and object_id.isdigit():
            found |= Q(role_id=role_id, workplace_id=int(object_id))
    return found & Q(assignee__isnull=True, assignee_kind="role")


def visible_q(user: Any) -> Q:
    """The tasks a member (not an admin) sees: theirs, ones they made or watch, their teams' and their
    reports' (at any depth), and the role tasks they may claim."""
    teams = EntityMembership.objects.filter(profile__user_id=user.pk).values("entity_id")
    profile = MemberProfile.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    reports = MemberProfile.objects.filter(reporting_path__contains=f"/{profile}/").exclude(pk=profile) \
        .values("user_id") if profile else MemberProfile.objects.none().values("user_id")  # fmt: skip
    watched = TaskWatcher.objects.filter(task=OuterRef("pk"), user_id=user.pk)
    return (
        Q(assignee_id=user.pk) | Q(created_by_id=user.pk) | Q(team_id__in=teams) | Q(assignee_id__in=reports)
        | Exists(watched) | role_claim_q(user)
    )  # fmt: skip


def task_list(
    *,
    visible_to: Any = None,
    status: str = "",
    assignee: Any = None,
    workplace: Workplace | None = None,
    due_from: datetime.datetime | None = None,
    due_to: datetime.datetime | None = None,
    overdue: bool = False,
    search: str = "",
) -> QuerySet[Task]:
    """Tasks with filters; `visible_to` (a user) narrows to what a member sees (None: everyone's)."""
    rows = Task.objects.select_related("workplace", "assignee", "team", "role")
    if visible_to is not None:
        rows = rows.filter(visible_q(visible_to))
    if status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status:
        rows = rows.filter(status=status)
    if assignee is not None:
        rows = rows.filter(assignee_id=assignee.pk)
    if workplace is not None:
        rows = rows.filter(workplace=workplace)
    if due_from is not None:
        rows = rows.filter(due_at__gte=due_from)
    if due_to is not None:
        rows = rows.filter(due_at__lt=due_to)
    if overdue:
        rows = rows.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    if search:
        rows = rows.filter(title__icontains=search)
    return with_progress(rows)


class LocalDate(Func):
    """`(instant AT TIME ZONE zone)::date`: the calendar day of an instant in a named time zone."""

    template = "((%(expressions)s))::date"
    arg_joiner = " AT TIME ZONE "
    output_field = DateField()


NOT_OVERDUE_RANK_M = 1e12  # "near me": every overdue task sorts before every task due today
# Claimable role tasks overdue by more than this are stale offers: they stay on the board and in `overdue=1`
# lists, not in everyone's day (it keeps "my tasks today" on the (role, due_at) index however old the backlog).
CLAIMABLE_OVERDUE_LOOKBACK = datetime.timedelta(days=7)


def my_today(*, user: Any, lat: float | None = None, lng: float | None = None) -> QuerySet[Task]:
    """My open tasks due today or overdue (due before today; each day in its workplace's time zone) and the
    role tasks I may claim due today or overdue by at most `CLAIMABLE_OVERDUE_LOOKBACK`; `overdue` says
    which. Overdue first, then by due time (they are due earlier), or nearest first when a position is given
    (`near_rank`: overdue ones before the rest). One query for my role assignments, one for the rows."""
    now = timezone.now()
    claimable = role_claim_q(user) & Q(due_at__gte=now - CLAIMABLE_OVERDUE_LOOKBACK - LOCAL_DAY_SLACK)
    mine = Q(assignee_id=user.pk) | claimable
    zone = Coalesce(F("workplace__time_zone"), Value(timezone.get_current_timezone_name()))
    rows: QuerySet[Task] = (
        Task.objects.filter(mine, status__in=OPEN_STATUSES, due_at__lt=now + LOCAL_DAY_SLACK)
        .alias(due_day=LocalDate(F("due_at"), zone), today=LocalDate(Now(), zone))
        .filter(due_day__lte=F("today"))
        .annotate(overdue=ExpressionWrapper(Q(due_day__lt=F("today")), output_field=BooleanField()))
        .select_related("workplace", "workplace__geofence", "assignee", "role")
    )
    rows = with_progress(rows)
    if lat is None or lng is None:
        return rows.annotate(distance_m=Value(None, output_field=FloatField()))
    rows = rows.annotate(distance_m=Coalesce(_distance(lat, lng), Value(FAR_AWAY_M), output_field=FloatField()))
    return rows.annotate(
        near_rank=F("distance_m")
        + Case(When(overdue=True, then=Value(0.0)), default=Value(NOT_OVERDUE_RANK_M), output_field=FloatField())
    )


def _distance(lat: float, lng: float) -> Any:
    """Haversine metres from (lat, lng) to the centre of the workplace's circular geofence."""
    lat1, lng1 = Radians(Value(lat)), Radians(Value(lng))
    lat2, lng2 = Radians(F("workplace__geofence__center_lat")), Radians(F("workplace__geofence__center_lng"))
    half = Power(Sin((lat2 - lat1) / 2), 2) + Cos(lat1) * Cos(lat2) * Power(Sin((lng2 - lng1) / 2), 2)
    return 2 * EARTH_RADIUS_M * ASin(Sqrt(half))
