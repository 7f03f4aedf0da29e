"""Time pages (/manage/tasks/time/): my timer and my entries (start, stop, record, delete), and the time
report with filters and totals, with its CSV, for managers and tenant admins."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from apps.accounts.access import is_tenant_admin
from apps.accounts.models import Membership, User
from apps.surfaces.portal import TenantPortalView
from apps.tasks.models import OPEN_STATUSES, Task
from apps.timesheets import selectors, services
from apps.timesheets.access import (
    TimesheetsAccessMixin,
    manages_everyone,
    report_refusal,
    visible_user_ids,
    workable_q,
)
from apps.timesheets.api.views import total_rows
from apps.timesheets.export import entries_csv_response
from apps.timesheets.models import TimeEntry
from apps.workplaces.models import Workplace

from .forms import EntryForm, ReportFilterForm, TimerStartForm

PAGE = 50
TASK_CHOICES = 300


def workable_tasks(user: Any, *, limit: int | None = None) -> QuerySet[Task]:
    """Open tasks the person may log time on (`access.workable_q`; a page lists the first `limit`; a posted
    form validates against all of them)."""
    mine = Q() if manages_everyone(user) else workable_q(user)
    tasks = Task.objects.filter(mine, status__in=OPEN_STATUSES).select_related("workplace").order_by("due_at", "id")
    return tasks[:limit] if limit else tasks


def message_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def _page(request: HttpRequest, rows: QuerySet[TimeEntry]) -> tuple[list[TimeEntry], str, str]:
    """A window of the list without counting it: (rows, older page URL, first page URL)."""
    page = max(int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1, 1)
    window = list(rows[(page - 1) * PAGE : page * PAGE + 1])
    params = request.GET.copy()
    params["page"] = str(page + 1)
    older = f"?{params.urlencode()}" if len(window) > PAGE else ""
    params.pop("page")
    newest = f"?{params.urlencode()}" if page > 1 else ""
    return window[:PAGE], older, newest


def _back(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("timesheets:mine"))


class MyTimeView(TimesheetsAccessMixin, TenantPortalView):
    def get(self, request: HttpRequest) -> HttpResponse:
        tasks = workable_tasks(request.user, limit=TASK_CHOICES)
        entries = selectors.entry_list(user_ids=[request.user.pk], search=request.GET.get("q", "").strip()[:100])
        rows, older, newest = _page(request, entries)
        context = {
            "running": selectors.running_timer(user=request.user),
            "start_form": TimerStartForm(tasks=tasks, prefix="timer"),
            "entry_form": EntryForm(tasks=tasks, prefix="entry"),
            "entries": rows, "older_url": older, "newest_url": newest, "q": request.GET.get("q", ""),
            "sees_report": report_refusal(request) is None,
        }  # fmt: skip
        return render(request, "timesheets/mine.html", context)


class TimerStartView(TimesheetsAccessMixin, TenantPortalView):
    def post(self, request: HttpRequest) -> HttpResponse:
        form = TimerStartForm(request.POST, tasks=workable_tasks(request.user), prefix="timer")
        if not form.is_valid():
            messages.error(request, "Choose one of your open tasks to start the timer on.")
            return _back(request)
        try:
            entry = services.timer_start(task=form.cleaned_data["task"], user=request.user, acting_user=request.user,
                                         note=form.cleaned_data["note"])  # fmt: skip
        except ValidationError as exc:
            messages.error(request, message_of(exc))
        else:
            messages.success(request, f'Timer started on "{entry.task.title}".')
        return _back(request)


class TimerStopView(TimesheetsAccessMixin, TenantPortalView):
    def post(self, request: HttpRequest) -> HttpResponse:
        entry = services.timer_stop(user=request.user, acting_user=request.user)
        if entry is None:
            messages.info(request, "No timer was running.")
        else:
            messages.success(request, f'Timer stopped: {entry.minutes} minutes on "{entry.task.title}".')
        return _back(request)


class EntryAddView(TimesheetsAccessMixin, TenantPortalView):
    def post(self, request: HttpRequest) -> HttpResponse:
        form = EntryForm(request.POST, tasks=workable_tasks(request.user), prefix="entry")
        if not form.is_valid():
            problems = "; ".join(
                f"{form.fields[f].label or f}: {e[0]}" if f != "__all__" else str(e[0]) for f, e in form.errors.items()
            )
            messages.error(request, f"The entry was not recorded. {problems}")
            return _back(request)
        started_at, ended_at = form.span()
        try:
            services.entry_add(task=form.cleaned_data["task"], user=request.user, started_at=started_at,
                               ended_at=ended_at, note=form.cleaned_data["note"], acting_user=request.user)  # fmt: skip
        except ValidationError as exc:
            messages.error(request, f"The entry was not recorded. {message_of(exc)}")
        else:
            messages.success(request, "Time recorded.")
        return _back(request)


class EntryDeleteView(TimesheetsAccessMixin, TenantPortalView):
    def post(self, request: HttpRequest, entry: int) -> HttpResponse:
        found = selectors.entry_list(user_ids=visible_user_ids(request)).filter(pk=entry).first()
        if found is None:
            raise Http404("No such time entry.")
        try:
            services.entry_delete(entry=found, acting_user=request.user)
        except ValidationError as exc:
            raise PermissionDenied(message_of(exc)) from None
        messages.success(request, "Entry deleted.")
        return HttpResponseRedirect(request.POST.get("next") or reverse("timesheets:mine"))


class ReportMixin(TimesheetsAccessMixin):
    def tenant_permission_check(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().tenant_permission_check(request, *args, **kwargs)
        refusal = report_refusal(request)
        if refusal is not None:
            raise refusal

    def filtered(self, request: HttpRequest) -> tuple[ReportFilterForm, QuerySet[TimeEntry]]:
        ids = visible_user_ids(request)
        members = Membership.objects.filter(tenant=request.tenant, status=Membership.Status.ACTIVE)  # type: ignore[attr-defined]
        if ids is not None:
            members = members.filter(user_id__in=ids)
        people = User.objects.filter(pk__in=members.values("user_id")).order_by("full_name", "email")[:2000]
        form = ReportFilterForm(request.GET or None, people=people,
                                workplaces=Workplace.objects.order_by("name")[:2000])  # fmt: skip
        data = form.cleaned_data if form.is_valid() else {}
        entries = selectors.entry_list(
            user_ids=ids, user=data.get("person") or "", workplace=data.get("workplace") or "",
            since=data.get("since"), until=data.get("until"), search=data.get("q") or "",
        )  # fmt: skip
        return form, entries


class ReportView(ReportMixin, TenantPortalView):
    def get(self, request: HttpRequest) -> HttpResponse:
        form, entries = self.filtered(request)
        by = (form.cleaned_data.get("by") if form.is_bound and form.is_valid() else "") or "person"
        totals = total_rows(selectors.totals(entries, by=by), by)
        rows, older, newest = _page(request, entries)
        query = urlencode({k: v for k, v in request.GET.items() if k != "page"})
        context = {
            "form": form, "by": by, "totals": totals, "total_minutes": sum(t["minutes"] for t in totals),
            "entries": rows, "older_url": older, "newest_url": newest, "query": query,
            "is_admin": is_tenant_admin(request),
        }  # fmt: skip
        return render(request, "timesheets/report.html", context)


class ReportExportView(ReportMixin, TenantPortalView):
    def get(self, request: HttpRequest) -> StreamingHttpResponse:
        return entries_csv_response(self.filtered(request)[1])
