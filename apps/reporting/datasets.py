"""The datasets report definitions query, and the one query that computes a report.

A dataset names a model, the date its period filters on, the workplace and person it belongs to, the
groupings it can be broken down by and the columns (aggregates) it offers. A report is ONE aggregate
query: the rows of the period and workplaces, grouped by one expression in SQL (`GROUP BY`), every
column an aggregate of the group, at most `MAX_ROWS` groups. Nothing is read row by row.

Dates are the tenant's: a period is whole local days in the organisation's time zone, and a day, week
or month grouping truncates in that zone.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Avg,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Extract, NullIf, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from apps.assets.models import Asset, WorkOrder
from apps.attendance.models import AttendanceRecord, AttendanceStatus
from apps.forms.models import Submission, SubmissionStatus
from apps.incidents.models import Incident, IncidentStatus, IncidentType, Severity
from apps.inspections.models import Inspection, InspectionStatus, InspectionTemplate
from apps.leave.models import TAKEN_STATUSES, LeaveRequest, LeaveRequestStatus, LeaveType
from apps.tasks.models import OPEN_STATUSES, Task, TaskPriority, TaskStatus
from apps.timesheets.models import TimeEntry

MAX_ROWS = 2000  # groups in one report (a file stays readable; the report says when it was cut)

Expression = Any


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aggregate: Callable[[], Expression]
    kind: str = "count"  # count | hours | number | percent
    additive: bool = True  # the total row sums it (a rate or an average is not summed)


@dataclass(frozen=True)
class Grouping:
    key: str
    label: str
    expression: Callable[[Dataset, zoneinfo.ZoneInfo], Expression]
    kind: str = "text"  # text | day | week | month
    labels: dict[str, str] = field(default_factory=dict)  # choice value → label


@dataclass(frozen=True)
class Dimension:
    """What a report's rows can be narrowed by (filters.py): `path` is the ORM path the filter applies to, in the
    report's one query. Kinds: `choice` (one of `choices`), `yes_no`, `person` (a member's id or email),
    `record` (one of this organisation's `records`, by id or name; stored as ids), `number`, `text`."""

    key: str
    label: str
    path: str
    kind: str
    choices: dict[str, str] = field(default_factory=dict)
    records: Callable[[], QuerySet[Any]] | None = None
    name_field: str = "name"  # a record named instead of by id


@dataclass(frozen=True)
class Dataset:
    key: str
    label: str
    description: str
    queryset: Callable[[], QuerySet[Any]]
    date_field: str
    date_is_datetime: bool
    workplace_field: str
    person_field: str
    groupings: tuple[Grouping, ...]
    columns: tuple[Column, ...]
    default_columns: tuple[str, ...]
    form_field: str = ""  # the form its rows are submissions of (a report may name one and filter on answers)
    dimensions: tuple[Dimension, ...] = ()  # what its filters can name

    def dimension(self, key: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.key == key), None)

    def grouping(self, key: str) -> Grouping | None:
        return next((g for g in self.groupings if g.key == key), None)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


# --- Building blocks -------------------------------------------------------------------------------


def count(**condition: Any) -> Callable[[], Expression]:
    return lambda: Count("pk", filter=Q(**condition)) if condition else Count("pk")


def count_q(condition: Callable[[], Q]) -> Callable[[], Expression]:
    return lambda: Count("pk", filter=condition())


def hours(minutes_field: str, **condition: Any) -> Callable[[], Expression]:
    def build() -> Expression:
        total = Sum(minutes_field, filter=Q(**condition)) if condition else Sum(minutes_field)
        return ExpressionWrapper(Cast(Coalesce(total, 0), FloatField()) / Value(60.0), output_field=FloatField())

    return build


def rate(part: Callable[[], Q], whole: Callable[[], Q]) -> Callable[[], Expression]:
    """100 * part / whole, in SQL; empty when the whole is zero."""

    def build() -> Expression:
        numerator = Cast(Count("pk", filter=part()), FloatField())
        denominator = NullIf(Cast(Count("pk", filter=whole()), FloatField()), Value(0.0))
        return ExpressionWrapper(Value(100.0) * numerator / denominator, output_field=FloatField())

    return build


def by_field(path: str) -> Callable[[Dataset, zoneinfo.ZoneInfo], Expression]:
    return lambda dataset, zone: F(path)


def _person(dataset: Dataset, zone: zoneinfo.ZoneInfo) -> Expression:
    person = dataset.person_field
    return Coalesce(
        NullIf(F(f"{person}__full_name"), Value("")), F(f"{person}__email"), Value("(nobody)"), output_field=CharField()
    )


def _workplace(dataset: Dataset, zone: zoneinfo.ZoneInfo) -> Expression:
    return Coalesce(F(f"{dataset.workplace_field}__name"), Value("(no workplace)"), output_field=CharField())


def _trunc(kind: type) -> Callable[[Dataset, zoneinfo.ZoneInfo], Expression]:
    def build(dataset: Dataset, zone: zoneinfo.ZoneInfo) -> Expression:
        if not dataset.date_is_datetime:
            return F(dataset.date_field) if kind is TruncDate else kind(dataset.date_field)
        return kind(dataset.date_field, tzinfo=zone)

    return build


def person(label: str = "Person") -> Grouping:
    return Grouping("person", label, _person)


WORKPLACE = Grouping("workplace", "Workplace", _workplace)
DAY = Grouping("day", "Day", _trunc(TruncDate), kind="day")
WEEK = Grouping("week", "Week", _trunc(TruncWeek), kind="week")
MONTH = Grouping("month", "Month", _trunc(TruncMonth), kind="month")
WHEN = (DAY, WEEK, MONTH)


def choices(cls: Any) -> dict[str, str]:
    return {str(value): str(label) for value, label in cls.choices}


def status(cls: Any, path: str = "status") -> Dimension:
    return Dimension("status", "Status", path, "choice", choices=choices(cls))


def someone(path: str, label: str = "Person", key: str = "person") -> Dimension:
    return Dimension(key, label, path, "person")


# --- The datasets ----------------------------------------------------------------------------------


def _now_q(field_name: str) -> Q:
    return Q(**{f"{field_name}__lt": timezone.now()})


ATTENDANCE = Dataset(
    key="attendance", label="Attendance",
    description="Daily attendance records: hours worked, lateness, absences, leave and overtime.",
    queryset=lambda: AttendanceRecord.objects.all(), date_field="date", date_is_datetime=False,
    workplace_field="workplace", person_field="user",
    groupings=(person(), WORKPLACE, *WHEN,
               Grouping("status", "Status", by_field("status"), labels=choices(AttendanceStatus))),
    columns=(
        Column("days", "Days recorded", count()),
        Column("scheduled_hours", "Scheduled hours", hours("scheduled_minutes"), kind="hours"),
        Column("worked_hours", "Hours worked", hours("worked_minutes"), kind="hours"),
        Column("late", "Days late", count(late_minutes__gt=0)),
        Column("late_minutes", "Minutes late", lambda: Coalesce(Sum("late_minutes"), 0)),
        Column("absent", "Days absent", count(status=AttendanceStatus.ABSENT)),
        Column("on_leave", "Days on leave", count(status=AttendanceStatus.ON_LEAVE)),
        Column("overtime_hours", "Overtime hours", hours("overtime_candidate_minutes"), kind="hours"),
        Column("attendance_rate", "Attendance rate %", rate(
            lambda: Q(status__in=[AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.PARTIAL]),
            lambda: Q(scheduled_minutes__gt=0) & ~Q(status=AttendanceStatus.ON_LEAVE)),
            kind="percent", additive=False),
    ),
    default_columns=("days", "worked_hours", "late", "absent", "overtime_hours"),
    dimensions=(someone("user"), status(AttendanceStatus),
                Dimension("late_minutes", "Minutes late", "late_minutes", "number")),
)  # fmt: skip

LEAVE = Dataset(
    key="leave", label="Leave",
    description="Leave requests by the day they start: requests, days and hours, by type and status.",
    queryset=lambda: LeaveRequest.objects.all(), date_field="start_date", date_is_datetime=False,
    workplace_field="workplace", person_field="user",
    groupings=(Grouping("leave_type", "Leave type", by_field("leave_type__name")),
               Grouping("status", "Status", by_field("status"), labels=choices(LeaveRequestStatus)),
               person(), WORKPLACE, *WHEN),
    columns=(
        Column("requests", "Requests", count()),
        Column("approved", "Approved", count(status__in=TAKEN_STATUSES)),
        Column("pending", "Pending", count(status=LeaveRequestStatus.PENDING)),
        Column("rejected", "Rejected", count(status=LeaveRequestStatus.REJECTED)),
        Column("days", "Days (approved)", lambda: ExpressionWrapper(Coalesce(Sum(
            Cast("minutes", FloatField()) / NullIf(Cast("leave_type__minutes_per_day", FloatField()), Value(0.0)),
            filter=Q(status__in=TAKEN_STATUSES)), Value(0.0)), output_field=FloatField()), kind="number"),
        Column("hours", "Hours (approved)", hours("minutes", status__in=TAKEN_STATUSES), kind="hours"),
    ),
    default_columns=("requests", "approved", "pending", "days"),
    dimensions=(Dimension("leave_type", "Leave type", "leave_type", "record", records=lambda: LeaveType.objects.all()),
                status(LeaveRequestStatus), someone("user")),
)  # fmt: skip


def _done_on_time() -> Q:
    return Q(status=TaskStatus.DONE, completed_at__lte=F("due_at"))


TASKS = Dataset(
    key="tasks", label="Tasks",
    description="Tasks due in the period: done, open, overdue and the on-time rate, by status, assignee or workplace.",
    queryset=lambda: Task.objects.all(), date_field="due_at", date_is_datetime=True,
    workplace_field="workplace", person_field="assignee",
    groupings=(Grouping("status", "Status", by_field("status"), labels=choices(TaskStatus)),
               person("Assignee"), WORKPLACE,
               Grouping("priority", "Priority", by_field("priority"), labels=choices(TaskPriority)), *WHEN),
    columns=(
        Column("tasks", "Tasks", count()),
        Column("done", "Done", count(status=TaskStatus.DONE)),
        Column("open", "Open", count(status__in=OPEN_STATUSES)),
        Column("overdue", "Overdue", count_q(lambda: Q(status__in=OPEN_STATUSES) & _now_q("due_at"))),
        Column("on_time", "Done on time", count_q(_done_on_time)),
        Column("on_time_rate", "On-time rate %", rate(_done_on_time, lambda: Q(status=TaskStatus.DONE)),
               kind="percent", additive=False),
        Column("estimated_hours", "Estimated hours", hours("estimated_minutes"), kind="hours"),
    ),
    default_columns=("tasks", "done", "open", "overdue", "on_time_rate"),
    dimensions=(status(TaskStatus),
                Dimension("priority", "Priority", "priority", "choice", choices=choices(TaskPriority)),
                someone("assignee", "Assignee", "assignee"), Dimension("title", "Title", "title", "text"),
                Dimension("estimated_minutes", "Estimated minutes", "estimated_minutes", "number")),
)  # fmt: skip


def _entry_hours() -> Expression:
    duration = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    seconds = Sum(Extract(duration, "epoch"), filter=Q(ended_at__isnull=False))
    return ExpressionWrapper(Cast(Coalesce(seconds, 0), FloatField()) / Value(3600.0), output_field=FloatField())


TIME_ENTRIES = Dataset(
    key="time_entries", label="Time entries",
    description="Time recorded on tasks, by person, workplace or task, from the entries started in the period.",
    queryset=lambda: TimeEntry.objects.all(), date_field="started_at", date_is_datetime=True,
    workplace_field="task__workplace", person_field="user",
    groupings=(person(), WORKPLACE, Grouping("task", "Task", by_field("task__title")), *WHEN),
    columns=(
        Column("entries", "Entries", count()),
        Column("hours", "Hours", _entry_hours, kind="hours"),
        Column("running", "Timers running", count(ended_at__isnull=True)),
    ),
    default_columns=("entries", "hours"),
    dimensions=(someone("user"), Dimension("task", "Task", "task", "record", records=lambda: Task.objects.all(),
                                           name_field="title")),
)  # fmt: skip

INCIDENTS = Dataset(
    key="incidents", label="Incidents",
    description="Safety incidents that occurred in the period, by type, severity, status or workplace.",
    queryset=lambda: Incident.objects.all(), date_field="occurred_at", date_is_datetime=True,
    workplace_field="workplace", person_field="reported_by",
    groupings=(Grouping("type", "Type", by_field("type"), labels=choices(IncidentType)),
               Grouping("severity", "Severity", by_field("severity"), labels=choices(Severity)),
               Grouping("status", "Status", by_field("status"), labels=choices(IncidentStatus)),
               WORKPLACE, *WHEN[1:]),
    columns=(
        Column("incidents", "Incidents", count()),
        Column("injuries", "Injuries", count(injury=True)),
        Column("near_misses", "Near misses", count(near_miss=True)),
        Column("serious", "High or critical", count(severity__in=[Severity.HIGH, Severity.CRITICAL])),
        Column("open", "Open", count_q(lambda: ~Q(status=IncidentStatus.CLOSED))),
        Column("notifiable", "Notifiable", count(notifiable=True)),
    ),
    default_columns=("incidents", "injuries", "near_misses", "open"),
    dimensions=(Dimension("type", "Type", "type", "choice", choices=choices(IncidentType)),
                Dimension("severity", "Severity", "severity", "choice", choices=choices(Severity)),
                status(IncidentStatus), Dimension("injury", "Injury", "injury", "yes_no"),
                someone("reported_by", "Reported by", "reported_by")),
)  # fmt: skip


def _submitted() -> Q:
    return Q(status=InspectionStatus.SUBMITTED)


INSPECTIONS = Dataset(
    key="inspections", label="Inspections",
    description="Inspections submitted in the period: count, average score and pass rate.",
    queryset=lambda: Inspection.objects.all(), date_field="submitted_at", date_is_datetime=True,
    workplace_field="workplace", person_field="submitted_by",
    groupings=(WORKPLACE, Grouping("template", "Checklist", by_field("template__name")), person("Inspector"),
               *WHEN[1:]),
    columns=(
        Column("inspections", "Inspections", count_q(_submitted)),
        Column("average_score", "Average score %", lambda: Avg("score", filter=_submitted()),
               kind="number", additive=False),
        Column("passed", "Passed", count(passed=True)),
        Column("failed", "Failed", count(passed=False)),
        Column("pass_rate", "Pass rate %", rate(lambda: Q(passed=True), lambda: Q(passed__isnull=False)),
               kind="percent", additive=False),
    ),
    default_columns=("inspections", "average_score", "pass_rate"),
    dimensions=(Dimension("template", "Checklist", "template", "record",
                          records=lambda: InspectionTemplate.objects.all()),
                Dimension("passed", "Passed", "passed", "yes_no"), Dimension("score", "Score %", "score", "number"),
                someone("submitted_by", "Inspector", "inspector")),
)  # fmt: skip


def _wo_done_on_time() -> Q:
    return Q(task__status=TaskStatus.DONE, task__completed_at__lte=F("due_at"))


WORK_ORDERS = Dataset(
    key="work_orders", label="Work orders",
    description="Maintenance work orders due in the period: done, open, overdue and on time, by site or plan.",
    queryset=lambda: WorkOrder.objects.all(), date_field="due_at", date_is_datetime=True,
    workplace_field="asset__site", person_field="task__assignee",
    groupings=(WORKPLACE, Grouping("category", "Asset category", by_field("asset__category__name")),
               Grouping("plan", "Maintenance plan", by_field("plan__name")),
               Grouping("status", "Status", by_field("task__status"), labels=choices(TaskStatus)), *WHEN[1:]),
    columns=(
        Column("work_orders", "Work orders", count()),
        Column("done", "Done", count(task__status=TaskStatus.DONE)),
        Column("open", "Open", count(task__status__in=OPEN_STATUSES)),
        Column("overdue", "Overdue", count_q(lambda: Q(task__status__in=OPEN_STATUSES) & _now_q("due_at"))),
        Column("on_time_rate", "On-time rate %", rate(_wo_done_on_time, lambda: Q(task__status=TaskStatus.DONE)),
               kind="percent", additive=False),
    ),
    default_columns=("work_orders", "done", "open", "overdue"),
    dimensions=(status(TaskStatus, "task__status"),
                Dimension("asset", "Asset", "asset", "record", records=lambda: Asset.objects.all()),
                someone("task__assignee", "Assignee", "assignee")),
)  # fmt: skip

FORM_SUBMISSIONS = Dataset(
    key="form_submissions", label="Form submissions",
    description="Forms submitted in the period (drafts left out): by form, workplace, person or status, with "
                "their review outcome.",
    queryset=lambda: Submission.objects.exclude(status=SubmissionStatus.DRAFT), date_field="submitted_at",
    date_is_datetime=True, workplace_field="workplace", person_field="person",
    groupings=(Grouping("form", "Form", by_field("template__name")), WORKPLACE, person(),
               Grouping("status", "Status", by_field("status"), labels=choices(SubmissionStatus)), *WHEN),
    columns=(
        Column("submissions", "Submissions", count()),
        Column("awaiting_review", "Awaiting review", count(status=SubmissionStatus.SUBMITTED)),
        Column("approved", "Approved", count(status=SubmissionStatus.APPROVED)),
        Column("rejected", "Rejected", count(status=SubmissionStatus.REJECTED)),
        Column("approval_rate", "Approval rate %", rate(
            lambda: Q(status=SubmissionStatus.APPROVED),
            lambda: Q(status__in=[SubmissionStatus.APPROVED, SubmissionStatus.REJECTED])),
            kind="percent", additive=False),
        Column("people", "People", lambda: Count("person", distinct=True), additive=False),
        Column("workplaces", "Workplaces", lambda: Count("workplace", distinct=True), additive=False),
    ),
    default_columns=("submissions", "awaiting_review", "approved", "rejected"), form_field="template",
    dimensions=(status(SubmissionStatus), someone("person")),
)  # fmt: skip

DATASETS: dict[str, Dataset] = {
    dataset.key: dataset
    for dataset in (ATTENDANCE, LEAVE, TASKS, TIME_ENTRIES, INCIDENTS, INSPECTIONS, WORK_ORDERS, FORM_SUBMISSIONS)
}


def dataset_get(key: str) -> Dataset | None:
    return DATASETS.get(key)


def dataset_choices() -> list[tuple[str, str]]:
    return [(dataset.key, dataset.label) for dataset in DATASETS.values()]


# --- The query -------------------------------------------------------------------------------------


@dataclass
class ReportTable:
    """A computed report: what the HTML page, the files and the API show."""

    title: str
    dataset: Dataset
    grouping: Grouping
    columns: list[Column]
    rows: list[tuple[str, list[Any]]]
    totals: list[Any]
    period_start: datetime.date
    period_end: datetime.date
    workplaces: list[str]
    truncated: bool
    generated_at: datetime.datetime
    time_zone: str

    @property
    def header(self) -> list[str]:
        return [self.grouping.label, *(column.label for column in self.columns)]


def _period_q(dataset: Dataset, start: datetime.date, end: datetime.date, zone: zoneinfo.ZoneInfo) -> Q:
    name = dataset.date_field
    if not dataset.date_is_datetime:
        return Q(**{f"{name}__gte": start, f"{name}__lte": end})
    since = datetime.datetime.combine(start, datetime.time(), tzinfo=zone)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    return Q(**{f"{name}__gte": since, f"{name}__lt": until})


def workplaces_q(dataset: Dataset, workplace_ids: list[int]) -> Q:
    """The workplaces chosen and the sites under them (a region holds areas, an area holds sites)."""
    path = dataset.workplace_field
    return (
        Q(**{f"{path}__in": workplace_ids})
        | Q(**{f"{path}__parent__in": workplace_ids})
        | Q(**{f"{path}__parent__parent__in": workplace_ids})
    )


def _label(grouping: Grouping, value: Any) -> str:
    if value is None:
        return "(none)"
    if grouping.kind == "month" and hasattr(value, "strftime"):
        return value.strftime("%Y-%m")
    if grouping.kind == "week" and hasattr(value, "strftime"):
        return f"Week of {value:%Y-%m-%d}"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return grouping.labels.get(str(value), str(value))


def _rounded(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind in ("hours", "number", "percent"):
        return round(float(value), 2)
    return int(value)


def report_query(
    *,
    dataset: Dataset,
    grouping: Grouping,
    columns: list[Column],
    start: datetime.date,
    end: datetime.date,
    workplace_ids: list[int],
    zone: zoneinfo.ZoneInfo,
    conditions: tuple[Any, ...] = (),
) -> tuple[list[tuple[str, list[Any]]], bool]:
    """The grouped rows (one query) and whether there were more than MAX_ROWS groups. `conditions` narrow the
    rows further (a form and its answers' filters), in the same query."""
    rows = dataset.queryset().filter(_period_q(dataset, start, end, zone), *conditions)
    if workplace_ids:
        rows = rows.filter(workplaces_q(dataset, workplace_ids))
    grouped = (
        rows.annotate(report_group=grouping.expression(dataset, zone))
        .values("report_group")
        .annotate(**{f"c_{column.key}": column.aggregate() for column in columns})
        .order_by("report_group")
    )
    found = list(grouped[: MAX_ROWS + 1])
    table = [
        (_label(grouping, row["report_group"]), [_rounded(column, row[f"c_{column.key}"]) for column in columns])
        for row in found[:MAX_ROWS]
    ]
    return table, len(found) > MAX_ROWS


def totals_of(columns: list[Column], rows: list[tuple[str, list[Any]]]) -> list[Any]:
    """The total row: additive columns summed; rates and averages left empty (a sum of rates means nothing)."""
    totals: list[Any] = []
    for index, column in enumerate(columns):
        if not column.additive:
            totals.append(None)
            continue
        total = sum((values[index] or 0) for _, values in rows)
        totals.append(round(total, 2) if column.kind != "count" else int(total))
    return totals
