"""Tenant API of time entries: `/api/v1/tasks/time/...` (scope family `tasks`, solution Tasks).

A person runs their own timer (`me/timer/`), records and corrects their own entries; managers read their
direct reports' entries, totals and CSV; tenant admins and API keys read everyone's and write anyone's.
Refusals are `{"detail", "code"}` bodies.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, StreamingHttpResponse
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.access import is_service_principal
from apps.accounts.models import Membership, User
from apps.surfaces.api import TenantAPIView, TenantListAPIView
from apps.tasks.models import Task
from apps.timesheets import selectors, services
from apps.timesheets.access import PERSON_REQUIRED, TimesheetsApiMixin, report_refusal, visible_user_ids
from apps.timesheets.export import entries_csv_response
from apps.timesheets.models import TimeEntry

from .serializers import (
    EntryCreateSerializer,
    EntryUpdateSerializer,
    TimeEntrySerializer,
    TimerStartSerializer,
    TimerStatusSerializer,
    TimerStopSerializer,
    TimesheetRefusalSerializer,
    TotalsSerializer,
)

REFUSAL = OpenApiResponse(TimesheetRefusalSerializer, description="Refused; `code` names the rule.")
FORBIDDEN = OpenApiResponse(TimesheetRefusalSerializer, description="Not a member, no access to Tasks "
                            "(`solution_access_required`, `solution_not_in_plan`), an API key on a personal endpoint "
                            "(`person_required`), someone else's entry (`not_your_entry`), a task assigned to someone "
                            "else (`task_not_allowed`), or not a manager or admin (`manager_required`).")  # fmt: skip
NOT_FOUND = OpenApiResponse(
    TimesheetRefusalSerializer, description="No such entry or task here (`not_found`, `unknown_task`)."
)
CONFLICT = OpenApiResponse(
    TimesheetRefusalSerializer,
    description="`timer_already_running`, `time_entry_overlap` (naming the other entry) or `task_closed`.",
)
STATUS_OF = {"timer_already_running": 409, "time_entry_overlap": 409, "task_closed": 409, "not_your_entry": 403,
             "task_not_allowed": 403}  # fmt: skip
FILTERS = [
    OpenApiParameter("user", OpenApiTypes.UUID, description="One person's entries (user id)."),
    OpenApiParameter("task", int, description="One task's entries."),
    OpenApiParameter("workplace", str, description="Entries on tasks at this workplace (code)."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="From this local day of the workplace (inclusive)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Up to this local day of the workplace (inclusive)."),
]


def refusal_response(error: ValidationError) -> Response:
    first = next(iter(error.error_dict.values()))[0] if hasattr(error, "error_dict") else error.error_list[0]
    code = first.code or "invalid"
    message = first.message % first.params if first.params else first.message
    return Response({"detail": message, "code": code}, status=STATUS_OF.get(code, 400))


def _person_require(request: Request) -> None:
    if is_service_principal(request.user):
        raise exceptions.PermissionDenied({"detail": PERSON_REQUIRED, "code": "person_required"})


def _invalid(body: Any) -> Response:
    field = next(iter(body.errors))
    return Response({"detail": f"{field}: {body.errors[field][0]}", "code": "invalid", "errors": body.errors},
                    status=status.HTTP_400_BAD_REQUEST)  # fmt: skip


def _task(pk: int) -> Task:
    task = Task.objects.select_related("workplace").filter(pk=pk).first()
    if task is None:
        raise exceptions.NotFound({"detail": "No such task in this organisation.", "code": "unknown_task"})
    return task


def _day(request: Request, name: str) -> datetime.date | None:
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    day = parse_date(text) if len(text) == 10 else None
    if day is None:
        raise exceptions.ValidationError({"detail": f"{name}: use a date, e.g. 2026-12-07.", "code": "invalid_filter"})
    return day


def filtered(request: Request, *, user_ids: Any) -> QuerySet[TimeEntry]:
    params = request.query_params
    return selectors.entry_list(
        user_ids=user_ids, user=params.get("user", "").strip(), task=params.get("task", "").strip(),
        workplace=params.get("workplace", "").strip(), since=_day(request, "from"), until=_day(request, "to"),
    )  # fmt: skip


def _actor(request: Request) -> Any:
    return None if is_service_principal(request.user) else request.user


class TimerView(TimesheetsApiMixin, TenantAPIView):
    @extend_schema(
        summary="My timer",
        description="Whether your timer runs, and its entry (task, since when, minutes so far). API keys: "
        "`person_required`.",
        responses={200: TimerStatusSerializer, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        _person_require(request)
        entry = selectors.running_timer(user=request.user)
        return Response({"running": entry is not None, "entry": TimeEntrySerializer(entry).data if entry else None})


class TimerStartView(TimesheetsApiMixin, TenantAPIView):
    @extend_schema(
        summary="Start my timer on a task",
        description="Starts now on an open task assigned to you or to no particular person. One running timer per "
        "person (409 `timer_already_running`); a task done or cancelled: 409 `task_closed`; someone else's task: "
        "403 `task_not_allowed`; overlapping one of your entries: 409 `time_entry_overlap`. Sends "
        "`time_entry.created`.",
        request=TimerStartSerializer,
        responses={201: TimeEntrySerializer, 400: REFUSAL, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request) -> Response:
        _person_require(request)
        body = TimerStartSerializer(data=request.data)
        if not body.is_valid():
            return _invalid(body)
        task = _task(body.validated_data["task"])
        try:
            entry = services.timer_start(task=task, user=request.user, acting_user=request.user,
                                         note=body.validated_data["note"])  # fmt: skip
        except ValidationError as exc:
            return refusal_response(exc)
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class TimerStopView(TimesheetsApiMixin, TenantAPIView):
    @extend_schema(
        summary="Stop my timer",
        description="Stops your running timer now (an optional `note` replaces the entry's). Idempotent: with no "
        "timer running it answers `running: false` and no entry. Sends `time_entry.updated`.",
        request=TimerStopSerializer,
        responses={200: TimerStatusSerializer, 400: REFUSAL, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        _person_require(request)
        body = TimerStopSerializer(data=request.data)
        if not body.is_valid():
            return _invalid(body)
        entry = services.timer_stop(user=request.user, acting_user=request.user, note=body.validated_data["note"])
        return Response({"running": False, "entry": TimeEntrySerializer(entry).data if entry else None})


class EntryListCreateView(TimesheetsApiMixin, TenantListAPIView):
    serializer_class = TimeEntrySerializer
    cursor_ordering = ("-started_at", "-id")
    queryset = TimeEntry.objects.none()

    def get_queryset(self) -> QuerySet[TimeEntry]:
        return filtered(self.request, user_ids=visible_user_ids(self.request))

    @extend_schema(
        summary="List time entries",
        description="Yours and your direct reports' (a manager's); everyone's for tenant admins and API keys "
        "(`tasks:read`). Newest first, cursor paginated; `from`/`to` are local days of the task's workplace.",
        parameters=FILTERS,
        responses={200: TimeEntrySerializer(many=True), 400: REFUSAL, 403: FORBIDDEN},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record time (manual entry)",
        description="`task`, `started_at`, `ended_at` (with offsets; ends after it starts: `invalid_range`; at most "
        "24 h: `entry_too_long`; not in the future: `entry_in_future`), optional `note`; `user` (admins and API "
        "keys) records someone else's time (others: 403 `not_your_entry`; not a member: 404 `unknown_user`). "
        "Overlapping an entry of the same person: 409 `time_entry_overlap`, naming it. Sends "
        "`time_entry.created`.",
        request=EntryCreateSerializer,
        responses={201: TimeEntrySerializer, 400: REFUSAL, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = EntryCreateSerializer(data=request.data)
        if not body.is_valid():
            return _invalid(body)
        data = body.validated_data
        user = self._whose(request, data.get("user"))
        task = _task(data["task"])
        try:
            entry = services.entry_add(task=task, user=user, started_at=data["started_at"], ended_at=data["ended_at"],
                                       note=data["note"], acting_user=_actor(request))  # fmt: skip
        except ValidationError as exc:
            return refusal_response(exc)
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def _whose(self, request: Request, user_id: Any) -> Any:
        if user_id is None:
            _person_require(request)
            return request.user
        user = User.objects.filter(pk=user_id, memberships__tenant=request.tenant,  # type: ignore[attr-defined]
                                   memberships__status=Membership.Status.ACTIVE).first()  # fmt: skip
        if user is None:
            raise exceptions.NotFound({"detail": "No such member in this organisation.", "code": "unknown_user"})
        return user


class EntryDetailView(TimesheetsApiMixin, TenantAPIView):
    def _entry(self, request: Request, entry: int) -> TimeEntry:
        found = filtered(request, user_ids=visible_user_ids(request)).filter(pk=entry).first()
        if found is None:
            raise Http404("No such time entry.")
        return found

    @extend_schema(
        summary="One time entry",
        responses={200: TimeEntrySerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        description="An entry you may see (yours, your reports', or anyone's for admins and keys).",
    )
    def get(self, request: Request, entry: int) -> Response:
        return Response(TimeEntrySerializer(self._entry(request, entry)).data)

    @extend_schema(
        summary="Correct a time entry",
        description="Change `task`, `started_at`, `ended_at` or `note` of your own entry (admins and API keys: "
        "anyone's; others: 403 `not_your_entry`). Same rules as recording; a running timer keeps running unless "
        "`ended_at` is given. Sends `time_entry.updated`.",
        request=EntryUpdateSerializer,
        responses={200: TimeEntrySerializer, 400: REFUSAL, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    )
    def patch(self, request: Request, entry: int) -> Response:
        found = self._entry(request, entry)
        body = EntryUpdateSerializer(data=request.data)
        if not body.is_valid():
            return _invalid(body)
        data = dict(body.validated_data)
        if "task" in data:
            data["task"] = _task(data["task"])
        try:
            updated = services.entry_update(entry=found, acting_user=_actor(request), **data)
        except ValidationError as exc:
            return refusal_response(exc)
        return Response(TimeEntrySerializer(self._entry(request, updated.pk)).data)

    @extend_schema(
        summary="Delete a time entry",
        description="Your own (admins and API keys: anyone's; others: 403 `not_your_entry`). History keeps it. "
        "Sends `time_entry.deleted`.",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request: Request, entry: int) -> Response:
        found = self._entry(request, entry)
        try:
            services.entry_delete(entry=found, acting_user=_actor(request))
        except ValidationError as exc:
            return refusal_response(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _report_require(request: Request) -> None:
    refusal = report_refusal(request)
    if refusal is not None:
        raise exceptions.PermissionDenied({"detail": str(refusal), "code": refusal.code})


def total_rows(rows: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Key and label of each total, whatever it was grouped by."""

    def shaped(row: dict[str, Any]) -> tuple[Any, Any]:
        if by == "task":
            return row["task_id"], row["task__title"]
        if by == "person":
            return row["user_id"], row["user__full_name"] or row["user__email"]
        if by == "workplace":
            return row["task__workplace__code"] or "", row["task__workplace__name"] or "No workplace"
        return row["period"].isoformat(), row["period"].isoformat()

    return [dict(zip(("key", "label"), map(str, shaped(row)), strict=True), minutes=row["minutes"],
                 entries=row["entries"]) for row in rows]  # fmt: skip


class TotalsView(TimesheetsApiMixin, TenantAPIView):
    @extend_schema(
        summary="Time totals",
        description="Minutes and entry counts grouped `by` task, person, workplace, day, week or month (local days "
        "of each task's workplace; weeks start on Monday). Managers see their reports' time, admins and API keys "
        "everyone's; members: 403 `manager_required`. One aggregate query.",
        parameters=[OpenApiParameter("by", str, enum=list(selectors.GROUPS), description="Default: task."), *FILTERS],
        responses={200: TotalsSerializer, 400: REFUSAL, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        _report_require(request)
        by = request.query_params.get("by", "task")
        if by not in selectors.GROUPS:
            return Response({"detail": f"by: one of {', '.join(selectors.GROUPS)}.", "code": "invalid_filter"},
                            status=status.HTTP_400_BAD_REQUEST)  # fmt: skip
        rows = total_rows(selectors.totals(filtered(request, user_ids=visible_user_ids(request)), by=by), by)
        return Response({"by": by, "minutes": sum(row["minutes"] for row in rows), "rows": rows})


class ExportView(TimesheetsApiMixin, TenantAPIView):
    @extend_schema(
        summary="Export time entries (CSV)",
        description="The filtered entries as CSV, streamed (local times of each workplace, whole minutes). "
        "Managers and admins (and API keys); members: 403 `manager_required`.",
        parameters=FILTERS,
        responses={(200, "text/csv"): OpenApiTypes.BINARY, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        _report_require(request)
        return entries_csv_response(filtered(request, user_ids=visible_user_ids(request)))
