"""Portal pages of generated and scheduled reports (/manage/reports/): definitions (list, builder, the report
as HTML with download buttons), schedules (list, form, pause/resume), the run history and each run, file
downloads; and two pages without sign-in: the emailed signed download link and an external address's
confirmation."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import is_tenant_admin
from apps.core.recurrence import zone
from apps.organisation.portal.forms import apply_errors
from apps.reporting import links, services
from apps.reporting.access import (
    ReportsPortalMixin,
    definition_get_for,
    definitions_for,
    file_get_for,
    run_get_for,
    runs_for,
    schedule_get_for,
    schedules_for,
    sees_everything,
)
from apps.reporting.downloads import file_response
from apps.reporting.filters import filters_shown
from apps.reporting.models import ReportRun, RunStatus
from apps.reporting.selectors import signed_download
from apps.surfaces.portal import PortalActionView, TenantPortalView

from .forms import DefinitionForm, GenerateForm, ScheduleForm

PAGE = 25


class ReportsPage(ReportsPortalMixin, TenantPortalView):
    tenant_access = "member"

    def page(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        base = {"is_admin": is_tenant_admin(self.request), "manages": sees_everything(self.request)}
        return render(self.request, template, {**base, **context}, status=status)


class DefinitionListView(ReportsPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        rows = definitions_for(request).order_by("name", "id")
        page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
        return self.page("reporting/definitions.html", {"page_obj": page, "definitions": page})


class DefinitionFormView(ReportsPage):
    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        definition = definition_get_for(request, pk) if pk else None
        if request.GET.get("dataset"):  # the builder reloads its fields for another dataset (htmx)
            form = DefinitionForm(initial=request.GET.dict(), dataset=request.GET["dataset"])
        else:
            form = DefinitionForm(initial=DefinitionForm.initial_of(definition) if definition else {})
        return self.page("reporting/definition_form.html", {"form": form, "definition": definition})

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        definition = definition_get_for(request, pk) if pk else None
        form = DefinitionForm(request.POST)
        if form.is_valid():
            data = form.definition_fields()
            try:
                if definition is None:
                    definition = services.definition_create(acting_user=request.user, **data)
                else:
                    services.definition_update(definition=definition, acting_user=request.user, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"The report “{definition.name}” was saved.")
                return HttpResponseRedirect(reverse("reporting:definition", args=[definition.pk]))
        return self.page("reporting/definition_form.html", {"form": form, "definition": definition}, status=400)


class DefinitionView(ReportsPage):
    """The report as HTML now, download buttons (files render in the background), its schedules and files."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        definition = definition_get_for(request, pk)
        table = services.report_table(definition)
        context = {
            "definition": definition, "table": table, "generate_form": GenerateForm(),
            "filter_lines": filters_shown(definition.filters or [], table.dataset),
            "schedules": schedules_for(request).filter(definition=definition)[:20],
            "runs": runs_for(request).filter(definition=definition).order_by("-scheduled_for", "-id")[:10],
        }  # fmt: skip
        return self.page("reporting/definition.html", context)


class DefinitionDeleteView(ReportsPortalMixin, PortalActionView):
    tenant_access = "member"
    done = "The report was deleted."

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Any:
        return definition_get_for(request, kwargs["pk"])

    def perform(self, obj: Any, data: dict[str, Any]) -> None:
        services.definition_delete(definition=obj, acting_user=self.request.user)

    def success_url(self, obj: Any) -> str:
        return reverse("reporting:definitions")


class GenerateView(ReportsPage):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        definition = definition_get_for(request, pk)
        form = GenerateForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose CSV, XLSX or PDF.")
            return HttpResponseRedirect(reverse("reporting:definition", args=[pk]))
        run, _ = services.run_request(definition=definition, format=form.cleaned_data["format"],
                                      acting_user=request.user)  # fmt: skip
        messages.success(request, "The file is being generated; this page shows it when it is ready.")
        return HttpResponseRedirect(reverse("reporting:run", args=[run.pk]))


class ScheduleListView(ReportsPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        rows = (
            schedules_for(request)
            .prefetch_related("people", "roles", "external_recipients")
            .order_by("definition__name", "id")
        )
        page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
        return self.page("reporting/schedules.html", {"page_obj": page, "schedules": page})


class ScheduleFormView(ReportsPage):
    def _form(self, data: Any = None, **kwargs: Any) -> ScheduleForm:
        return ScheduleForm(data, definitions=definitions_for(self.request), tenant=self.request.tenant, **kwargs)  # type: ignore[attr-defined]

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        schedule = schedule_get_for(request, pk) if pk else None
        if schedule is not None:
            initial = {
                "definition": schedule.definition,
                "rrule": schedule.rrule,
                "format": schedule.format,
                "starts_at": timezone.localtime(schedule.starts_at, zone(schedule.time_zone)).replace(tzinfo=None),
                "time_zone": schedule.time_zone,
                "delivery": schedule.delivery,
                "people": list(schedule.people.all()),
                "roles": list(schedule.roles.all()),
                "external_emails": "\n".join(schedule.external_recipients.values_list("email", flat=True)),
            }
        else:
            initial = {"definition": request.GET.get("definition"), "time_zone": services.tenant_zone_name()}
        return self.page("reporting/schedule_form.html", {"form": self._form(initial=initial), "schedule": schedule})

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        schedule = schedule_get_for(request, pk) if pk else None
        form = self._form(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            definition = data.pop("definition")
            data["starts_at"] = data["starts_at"].replace(tzinfo=None)  # wall-clock time in the schedule's zone
            data["people"], data["roles"] = list(data["people"]), list(data["roles"])
            try:
                if schedule is None:
                    schedule = services.schedule_create(definition=definition, acting_user=request.user, **data)
                else:
                    services.schedule_update(schedule=schedule, acting_user=request.user, **data)
            except ValidationError as exc:
                apply_errors(form, exc, {"recipients": "people"})
            else:
                messages.success(request, "The schedule was saved.")
                return HttpResponseRedirect(reverse("reporting:schedules"))
        return self.page("reporting/schedule_form.html", {"form": form, "schedule": schedule}, status=400)


class SchedulePauseView(ReportsPortalMixin, PortalActionView):
    tenant_access = "member"
    pause = True

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Any:
        return schedule_get_for(request, kwargs["pk"])

    def perform(self, obj: Any, data: dict[str, Any]) -> None:
        change = services.schedule_pause if self.pause else services.schedule_resume
        change(schedule=obj, acting_user=self.request.user)

    def done_message(self, obj: Any) -> str:
        return "The schedule is paused." if self.pause else "The schedule is active again."

    def success_url(self, obj: Any) -> str:
        return reverse("reporting:schedules")


class ScheduleSendNowView(ReportsPortalMixin, PortalActionView):
    """Send the schedule's report now (the worker renders and emails it; the run is in the history)."""

    tenant_access = "member"
    done = "The report is being sent now; its run is in the history."

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Any:
        return schedule_get_for(request, kwargs["pk"])

    def perform(self, obj: Any, data: dict[str, Any]) -> None:
        services.schedule_send_now(schedule=obj, acting_user=self.request.user)

    def success_url(self, obj: Any) -> str:
        return f"{reverse('reporting:runs')}?schedule={obj.pk}"


class RunListView(ReportsPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        rows = runs_for(request).select_related("schedule__definition").order_by("-scheduled_for", "-id")
        if request.GET.get("schedule", "").isdigit():
            rows = rows.filter(schedule_id=int(request.GET["schedule"]))
        if request.GET.get("status") in RunStatus.values:
            rows = rows.filter(status=request.GET["status"])
        page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
        context = {"page_obj": page, "runs": page, "statuses": RunStatus.choices}
        if request.htmx and not request.htmx.boosted:  # type: ignore[attr-defined]
            return render(request, "reporting/_runs.html", context)
        return self.page("reporting/runs.html", context)


class RunView(ReportsPage):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = run_get_for(request, pk)
        pending = run.status in (ReportRun.Status.QUEUED, ReportRun.Status.RUNNING)
        if request.htmx and not request.htmx.boosted:  # type: ignore[attr-defined]
            return render(request, "reporting/_run_status.html", {"run": run, "pending": pending})
        return self.page("reporting/run.html", {"run": run, "pending": pending})


class FileView(TenantPortalView):
    """A generated file for a signed-in member who may have it (admins, owners, the schedule's recipients:
    a recipient needs no access to the Reports solution, the schedule's owner chose them)."""

    tenant_access = "member"

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return file_response(file_get_for(request, pk))


class SignedDownloadView(TenantPortalView):
    """The emailed link: no sign-in, the signed token is the credential (this organisation's, 7 days)."""

    tenant_access = "public"

    def get(self, request: HttpRequest, token: str) -> HttpResponseBase:
        report = signed_download(token)
        if report is None:
            return render(request, "reporting/link_invalid.html", {"days": links.LINK_DAYS}, status=404)
        return file_response(report)


class ConfirmView(TenantPortalView):
    """An external address confirms it wants the reports (a button, so a mail scanner that opens the link
    confirms nothing)."""

    tenant_access = "public"

    def _recipient(self, token: str) -> tuple[int, str]:
        checked = links.confirm_check(token)
        if checked is None:
            raise Http404("This confirmation link is not valid or has expired.")
        return checked

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        _, email = self._recipient(token)
        return render(request, "reporting/confirm.html", {"email": email, "done": False})

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        recipient_id, email = self._recipient(token)
        if services.external_confirm(recipient_id=recipient_id, email=email) is None:
            raise Http404("This address is no longer a recipient.")
        return render(request, "reporting/confirm.html", {"email": email, "done": True})
