"""Portal pages of attendance (/manage/attendance/): today's board, records, exceptions, corrections
and overtime. Members with access to the attendance solution; what each sees is narrowed by
`visible_user_ids` (admins everyone, managers their reports and themselves, others themselves)."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import is_tenant_admin
from apps.accounts.models import Membership, User
from apps.attendance import selectors, services
from apps.attendance.access import AttendanceAccessMixin, is_manager, sees_everyone, visible_user_ids
from apps.attendance.export import overtime_csv_response
from apps.attendance.models import AttendanceStatus, OvertimeRule, OvertimeStatus
from apps.organisation.portal.forms import apply_errors
from apps.surfaces.portal import TenantPortalView
from apps.workplaces.models import Workplace

from .forms import CorrectionForm, FilterForm, OvertimeRuleForm

PAGE = 50


class AttendancePage(AttendanceAccessMixin, TenantPortalView):
    tenant_access = "member"
    tab = ""

    def visible(self) -> Any:
        return visible_user_ids(self.request)

    def people(self) -> list[tuple[str, str]]:
        """The people the caller may see, for choosers (members of this organisation)."""
        visible = self.visible()
        users = User.objects.filter(memberships__tenant=self.request.tenant,  # type: ignore[attr-defined]
                                    memberships__status=Membership.Status.ACTIVE)  # fmt: skip
        if visible is not None:
            users = users.filter(pk__in=visible)
        return [(str(u.pk), u.full_name or u.email) for u in users.order_by("full_name", "email")[:1000]]

    def page(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        base = {"tab": self.tab, "is_admin": is_tenant_admin(self.request), "is_manager": is_manager(self.request)}
        return render(self.request, template, {**base, **context}, status=status)

    def paginated(self, rows: QuerySet[Any]) -> Any:
        return Paginator(rows, PAGE).get_page(self.request.GET.get("page"))


class BoardView(AttendancePage):
    tab = "board"

    def get(self, request: HttpRequest) -> HttpResponse:
        code, status = request.GET.get("workplace", ""), request.GET.get("status", "")
        workplace = Workplace.objects.filter(code=code).first() if code else None
        rows, counts = selectors.board(visible=self.visible(), workplace=workplace, status=status)
        return self.page("attendance/board.html", {
            "rows": rows[:500], "truncated": len(rows) > 500, "counts": counts, "status": status,
            "workplace": workplace, "workplaces": selectors.workplace_choices(), "now": timezone.now(),
        })  # fmt: skip


class RecordListView(AttendancePage):
    tab = "records"
    template = "attendance/records.html"
    statuses = AttendanceStatus.values

    def rows(self, filters: dict[str, Any]) -> QuerySet[Any]:
        return selectors.records_list(visible=self.visible(), **filters)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = FilterForm(request.GET or None, people=self.people(), statuses=list(self.statuses))
        filters = form.filters()
        month = request.GET.get("month", "")
        if month and filters["user_id"]:  # a person's month: ?user=<id>&month=YYYY-MM
            try:
                first = datetime.date.fromisoformat(f"{month}-01")
            except ValueError:
                first = None
            if first is not None:
                following = (first + datetime.timedelta(days=32)).replace(day=1)
                filters["start"], filters["end"] = first, following - datetime.timedelta(days=1)
        return self.page(self.template, {"form": form, "page_obj": self.paginated(self.rows(filters))})


class ExceptionListView(RecordListView):
    tab = "exceptions"
    template = "attendance/exceptions.html"
    statuses = selectors.EXCEPTION_KINDS

    def rows(self, filters: dict[str, Any]) -> QuerySet[Any]:
        kind = filters.pop("status", "")
        return selectors.exceptions_list(visible=self.visible(), kind=kind, **filters)


class CorrectionListView(AttendancePage):
    tab = "corrections"

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = selectors.corrections_list(visible=self.visible(), status=request.GET.get("status", ""))
        return self.page("attendance/corrections.html", {"page_obj": self.paginated(rows)})


class CorrectionCreateView(AttendancePage):
    tab = "corrections"

    def form(self, data: Any = None) -> CorrectionForm:
        initial = {"user": str(self.request.user.pk), "date": self.request.GET.get("date") or timezone.localdate()}
        if self.request.GET.get("user"):
            initial["user"] = self.request.GET["user"]
        return CorrectionForm(data, initial=initial, people=self.people())

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page("attendance/correction_form.html", {"form": self.form()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            try:
                person = User.objects.get(pk=form.cleaned_data["user"])
                correction = services.correction_request(user=person, date=form.cleaned_data["date"],
                                                         punches=form.punches(), reason=form.cleaned_data["reason"],
                                                         acting_user=request.user)  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "The correction was sent for approval.")
                return HttpResponseRedirect(reverse("attendance:correction", args=[correction.pk]))
        return self.page("attendance/correction_form.html", {"form": form}, status=400)


class CorrectionDetailView(AttendancePage):
    tab = "corrections"

    def get(self, request: HttpRequest, pk: str) -> HttpResponse:
        correction = selectors.correction_get(visible=self.visible(), pk=pk)
        return self.page("attendance/correction_detail.html", {"correction": correction})


class CorrectionCancelView(AttendancePage):
    def post(self, request: HttpRequest, pk: str) -> HttpResponse:
        correction = selectors.correction_get(visible=self.visible(), pk=pk)
        try:
            services.correction_cancel(correction=correction, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "The correction was cancelled.")
        return HttpResponseRedirect(reverse("attendance:correction", args=[correction.pk]))


def _period(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    """The overtime page's period: ?start=&end=, by default this month."""
    today = timezone.localdate()
    try:
        start = (
            datetime.date.fromisoformat(request.GET.get("start", ""))
            if request.GET.get("start")
            else today.replace(day=1)
        )
        end = datetime.date.fromisoformat(request.GET.get("end", "")) if request.GET.get("end") else today
    except ValueError:
        start, end = today.replace(day=1), today
    return start, end


class OvertimeView(AttendancePage):
    tab = "overtime"

    def rows(self) -> QuerySet[Any]:
        start, end = _period(self.request)
        code = self.request.GET.get("workplace", "")
        return selectors.overtime_list(visible=self.visible(), start=start, end=end,
                                       status=self.request.GET.get("status", ""),
                                       user_id=self.request.GET.get("user") or None,
                                       workplace=Workplace.objects.filter(code=code).first() if code
                                       else None)  # fmt: skip

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = self.rows()
        start, end = _period(request)
        return self.page("attendance/overtime.html", {
            "page_obj": self.paginated(rows), "totals": selectors.overtime_totals(rows), "start": start, "end": end,
            "statuses": OvertimeStatus.values, "query": request.GET.urlencode(),
        })  # fmt: skip


class OvertimeExportView(OvertimeView):
    def get(self, request: HttpRequest) -> StreamingHttpResponse:  # type: ignore[override]
        start, end = _period(request)
        return overtime_csv_response(self.rows(), f"overtime-{start:%Y%m%d}-{end:%Y%m%d}.csv")


class OvertimeSubmitView(AttendancePage):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = selectors.overtime_list(visible=self.visible()).filter(pk=pk).first()
        if record is None or (record.user_id == request.user.pk and not sees_everyone(request)):
            raise Http404("No such overtime record among your reports.")
        try:
            services.overtime_submit(record=record, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "The overtime was sent for approval.")
        return HttpResponseRedirect(reverse("attendance:overtime"))


class OvertimeRuleView(AttendancePage):
    tenant_access = "admin"
    tab = "overtime"

    def render_rules(self, form: OvertimeRuleForm, status: int = 200) -> HttpResponse:
        rules = OvertimeRule.objects.select_related("workplace")
        return self.page("attendance/overtime_rules.html", {"form": form, "rules": rules}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        code = request.GET.get("workplace", "")
        rule = OvertimeRule.objects.filter(workplace__code=code).first() if code else OvertimeRule.objects.filter(
            workplace__isnull=True).first()  # fmt: skip
        return self.render_rules(OvertimeRuleForm(instance=rule))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OvertimeRuleForm(request.POST)
        if form.is_valid():
            values = dict(form.cleaned_data)
            workplace = values.pop("workplace", None)
            try:
                services.overtime_rule_save(workplace=workplace, acting_user=request.user, **values)
            except ValidationError as exc:
                apply_errors(form, exc)  # type: ignore[arg-type]
            else:
                messages.success(request, "The overtime rule was saved.")
                return HttpResponseRedirect(reverse("attendance:overtime_rules"))
        return self.render_rules(form, status=400)
