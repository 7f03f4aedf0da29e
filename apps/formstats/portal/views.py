"""Portal pages of form analytics (/manage/reports/analytics/): the published forms, and a form's analytics
(filters, a chart and a table per field, CSV and XLSX of the same numbers). Everyone with the Reports solution
opens them; what they read is scoped by access.analytics_scope (everything, managed workplaces, or their own)."""

import csv
import datetime
import io
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from apps.accounts.models import Membership
from apps.forms.models import FieldType, FormTemplate
from apps.formstats.access import AnalyticsPortalMixin, Scope, analytics_scope, template_get
from apps.formstats.charts import bar_chart, time_chart
from apps.formstats.export import analytics_data, analytics_rows, xlsx_bytes
from apps.formstats.models import SubmissionDayRollup
from apps.formstats.query import analytics_query_parse
from apps.formstats.selectors import Analytics, AnalyticsQuery, FieldResult, Figures, analytics_read
from apps.surfaces.portal import TenantPortalView
from apps.workplaces.models import Workplace

PORTAL_DAYS = 30
TIME_GROUPS = ("day", "week", "month")
TYPE_LABELS = dict(FieldType.choices)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AnalyticsPage(AnalyticsPortalMixin, TenantPortalView):
    tenant_access = "member"

    def query(self, request: HttpRequest, template: FormTemplate) -> AnalyticsQuery:
        return analytics_query_parse(request.GET, template=template, scope=analytics_scope(request),
                                     user=request.user, tenant=request.tenant,  # type: ignore[attr-defined]
                                     default_days=PORTAL_DAYS)  # fmt: skip


class TemplateListView(AnalyticsPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        zone = ZoneInfo(getattr(request.tenant, "time_zone", "") or "UTC")  # type: ignore[attr-defined]
        since = datetime.datetime.now(zone).date() - datetime.timedelta(days=PORTAL_DAYS - 1)
        templates = FormTemplate.objects.filter(current_version__isnull=False).annotate(
            versions_count=Count("versions", distinct=True)).order_by("name", "id")  # fmt: skip
        counts = _recent_counts(analytics_scope(request), since)
        rows = [(t, counts.get(t.pk, 0)) for t in templates]
        return render(request, "formstats/list.html", {"rows": rows, "days": PORTAL_DAYS,
                                                       "scope": analytics_scope(request)})  # fmt: skip


def _recent_counts(scope: Scope, since: datetime.date) -> dict[int, int]:
    """Submissions per template in the last days, within the caller's scope (one query on the rollups)."""
    rows: QuerySet[Any] = SubmissionDayRollup.objects.filter(day__gte=since)
    if scope.workplace_ids is not None:
        rows = rows.filter(workplace_id__in=scope.workplace_ids)
    if scope.person_id is not None:
        rows = rows.filter(person_id=scope.person_id)
    return dict(
        rows.order_by().values_list("template_id").annotate(n=Sum("submissions")).values_list("template_id", "n")
    )


class AnalyticsView(AnalyticsPage):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = template_get(pk)
        scope = analytics_scope(request)
        context: dict[str, Any] = {"template": template, "scope": scope, "params": request.GET,
                                   "filters": _filter_choices(request, scope), "period": (request.GET.get("from", ""),
                                   request.GET.get("to", ""))}  # fmt: skip
        try:
            query = self.query(request, template)
        except ValidationError as error:
            context["errors"] = error.message_dict
            return render(request, "formstats/detail.html", context, status=400)
        result = analytics_read(query)
        context.update(query=query, result=result, fields=[_field_view(f, result) for f in result.fields],
                       export_query=request.GET.urlencode(),
                       period=tuple(d.isoformat() if d else "" for d in (query.date_from, query.date_to)))  # fmt: skip
        if request.htmx and not request.htmx.boosted:  # type: ignore[attr-defined]
            return render(request, "formstats/_results.html", context)
        return render(request, "formstats/detail.html", context)


def _filter_choices(request: HttpRequest, scope: Scope) -> dict[str, Any]:
    """The workplaces and people the filters offer: what the caller may read."""
    workplaces = Workplace.objects.filter(kind="site").order_by("name")
    if scope.workplace_ids is not None:
        workplaces = workplaces.filter(pk__in=scope.workplace_ids)
    people: list[tuple[str, str]] = []
    if scope.person_id is None:
        members = Membership.objects.filter(tenant=request.tenant, status="active")  # type: ignore[attr-defined]
        people = [
            (str(pk), name or email)
            for pk, name, email in members.order_by("user__full_name").values_list(
                "user_id", "user__full_name", "user__email"
            )[:500]
        ]
    return {"workplaces": list(workplaces.values_list("pk", "name")), "people": people,
            "groups": [("", "No grouping"), ("workplace", "Workplace"), ("person", "Person"), ("day", "Day"),
                       ("week", "Week"), ("month", "Month")]}  # fmt: skip


def _field_view(f: FieldResult, result: Analytics) -> dict[str, Any]:
    """A field's chart and table rows: the distribution of a choice field; the average of a number (or how many
    answered) per group, over time as columns and a line."""
    grouped = bool(result.query.group_by)
    if f.kind == "choices" and not (grouped and result.query.group_by in TIME_GROUPS):
        chart = bar_chart([(label, n) for _, label, n in f.choice_rows()], title=f.label)
    elif grouped:
        values = [(label, _headline(f, f.groups.get(g))) for g, label in result.groups]
        draw = time_chart if result.query.group_by in TIME_GROUPS else bar_chart
        chart = draw(values, title=f"{f.label}: {_measure(f)}")
    else:
        chart = None
    choices = f.choice_rows() if f.kind == "choices" else []
    pairs = [(label, f.groups.get(g) or Figures()) for g, label in result.groups] if grouped else [("All", f.overall)]
    table = [(label, figures, [figures.choices.get(value, 0) for value, _, _ in choices]) for label, figures in pairs]
    return {"field": f, "chart": chart, "table": table, "measure": _measure(f), "choices": choices,
            "type_label": TYPE_LABELS.get(f.type, f.type)}  # fmt: skip


def _measure(f: FieldResult) -> str:
    return {"numbers": "average", "files": "files", "choices": "answered"}.get(f.kind, "answered")


def _headline(f: FieldResult, figures: Any) -> Any:
    if figures is None:
        return None
    if f.kind == "numbers":
        return figures.average
    return figures.total if f.kind == "files" else figures.answered


class _Export(AnalyticsPage):
    """The page's numbers as a file, with the page's filters; a refused filter is a 400 saying why."""

    ext = ""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = template_get(pk)
        try:
            data = analytics_data(analytics_read(self.query(request, template)))
        except ValidationError as error:
            reasons = "; ".join(m for ms in error.message_dict.values() for m in ms)
            return HttpResponse(reasons, status=400, content_type="text/plain")
        response = self.file(template, data)
        response["Content-Disposition"] = (
            f'attachment; filename="{slugify(template.name) or "form"}-analytics.{self.ext}"'
        )
        return response

    def file(self, template: FormTemplate, data: dict[str, Any]) -> HttpResponse:
        raise NotImplementedError


class ExportCsvView(_Export):
    ext = "csv"

    def file(self, template: FormTemplate, data: dict[str, Any]) -> HttpResponse:
        out = io.StringIO()
        csv.writer(out).writerows(analytics_rows(data))
        return HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")


class ExportXlsxView(_Export):
    ext = "xlsx"

    def file(self, template: FormTemplate, data: dict[str, Any]) -> HttpResponse:
        return HttpResponse(xlsx_bytes(data, title=template.name), content_type=XLSX)
