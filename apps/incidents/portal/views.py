"""Portal pages of incidents (/manage/incidents/): the register (filters, search, pages, CSV), the report
form (any member with access to the `workplaces` solution), the incident page (investigation, people,
photos, corrective actions with their tasks, history) and, for tenant admins, the regulator settings."""

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import is_tenant_admin
from apps.incidents import services
from apps.incidents.access import (
    IncidentsPortalMixin,
    attachment_get_for,
    incident_get_for,
    investigator_require,
    manager_require,
    reporter_or_manager_require,
    sees_everything,
    visible,
)
from apps.incidents.models import TRANSITIONS, Incident, IncidentPerson, IncidentStatus
from apps.incidents.selectors import incident_register, register_csv_rows, regulator_deadlines
from apps.organisation.portal.forms import apply_errors
from apps.surfaces.portal import TenantPortalView

from .forms import (
    ActionForm,
    AttachmentForm,
    DeadlinesForm,
    InvestigationForm,
    PersonForm,
    RegisterFilterForm,
    RegulatorForm,
    ReportForm,
    SettingsForm,
    TransitionForm,
    local_to_aware,
)

PAGE = 25


class IncidentsPage(IncidentsPortalMixin, TenantPortalView):
    tenant_access = "member"

    def page(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        base = {"is_admin": is_tenant_admin(self.request), "manages": sees_everything(self.request)}
        return render(self.request, template, {**base, **context}, status=status)


class RegisterView(IncidentsPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = RegisterFilterForm(request.GET or None)
        rows = incident_register(visible(request), **form.filters())
        page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
        context = {"form": form, "page_obj": page, "incidents": page}
        if request.htmx and not request.htmx.boosted:  # type: ignore[attr-defined]
            return render(request, "incidents/_results.html", context)
        return self.page("incidents/list.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


class ExportView(IncidentsPage):
    """The register as CSV, with the page's filters (what the caller may see)."""

    def get(self, request: HttpRequest) -> StreamingHttpResponse:
        form = RegisterFilterForm(request.GET or None)
        rows = incident_register(visible(request), **form.filters()).order_by("-occurred_at", "-id")
        writer: Any = csv.writer(_Echo())
        response = StreamingHttpResponse((writer.writerow(row) for row in register_csv_rows(rows)),
                                         content_type="text/csv; charset=utf-8")  # fmt: skip
        response["Content-Disposition"] = 'attachment; filename="incidents.csv"'
        return response


class ReportView(IncidentsPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page("incidents/report.html", {"form": ReportForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident, _ = services.incident_report(
                    title=data["title"], type=data["type"], severity=data["severity"],
                    occurred_at=local_to_aware(data["occurred_at"], data["workplace"]) or timezone.now(),
                    workplace=data["workplace"],
                    location_detail=data["location_detail"], description=data["description"],
                    immediate_actions=data["immediate_actions"], injury=data["injury"], near_miss=data["near_miss"],
                    photos=data["photos"], acting_user=request.user,
                )  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Thank you: the incident {incident.reference} was reported.")
                return HttpResponseRedirect(reverse("incidents:detail", args=[incident.pk]))
        return self.page("incidents/report.html", {"form": form}, status=400)


class DetailView(IncidentsPage):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_page(pk)

    def render_page(self, pk: int, status: int = 200, **forms_: Any) -> HttpResponse:
        incident = incident_get_for(self.request, pk, detail=True)
        tenant = self.request.tenant  # type: ignore[attr-defined]
        zone_deadline = incident.regulator_deadline
        history = Incident.history.filter(id=incident.pk).select_related("history_user").order_by("-history_date")[:50]
        context = {
            "incident": incident,
            "history": history,
            "next_statuses": [(s, IncidentStatus(s).label) for s in TRANSITIONS[incident.status]],
            "is_investigator": incident.investigator_id == self.request.user.pk,
            "is_reporter": incident.reported_by_id == self.request.user.pk,
            "deadline": zone_deadline,
            "transition_form": forms_.get("transition_form") or TransitionForm(),
            "investigation_form": forms_.get("investigation_form")
            or InvestigationForm(
                tenant=tenant,
                initial={
                    "investigator": incident.investigator_id,
                    "findings": incident.findings,
                    "root_cause": incident.root_cause,
                    "completed": incident.investigation_completed_at is not None,
                },
            ),
            "person_form": forms_.get("person_form") or PersonForm(tenant=tenant),
            "action_form": forms_.get("action_form") or ActionForm(tenant=tenant),
            "attachment_form": forms_.get("attachment_form") or AttachmentForm(),
            "regulator_form": forms_.get("regulator_form")
            or RegulatorForm(initial={"notifiable": incident.notifiable, "reference": incident.regulator_reference}),
        }
        return self.page("incidents/detail.html", context, status=status)


class _IncidentAction(DetailView):
    """A POST on one incident: check who may, run the service, come back to the page (or show the form's
    errors on it)."""

    form_name = ""
    success = ""

    def check(self, request: HttpRequest, incident: Any) -> None:
        manager_require(request)

    def make_form(self, request: HttpRequest) -> Any:
        raise NotImplementedError

    def act(self, request: HttpRequest, incident: Any, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = incident_get_for(request, pk)
        self.check(request, incident)
        form = self.make_form(request)
        if form.is_valid():
            try:
                self.act(request, incident, form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, self.success)
                return HttpResponseRedirect(reverse("incidents:detail", args=[incident.pk]))
        return self.render_page(pk, status=400, **{self.form_name: form})


class TransitionView(_IncidentAction):
    form_name, success = "transition_form", "The incident's status changed."

    def make_form(self, request: HttpRequest) -> Any:
        return TransitionForm(request.POST)

    def act(self, request: HttpRequest, incident: Any, data: dict[str, Any]) -> None:
        services.incident_transition(incident=incident, status=data["status"], note=data["note"],
                                     acting_user=request.user)  # fmt: skip


class InvestigationView(_IncidentAction):
    form_name, success = "investigation_form", "The investigation was saved."

    def check(self, request: HttpRequest, incident: Any) -> None:
        investigator_require(request, incident)

    def make_form(self, request: HttpRequest) -> Any:
        return InvestigationForm(request.POST, tenant=request.tenant)  # type: ignore[attr-defined]

    def act(self, request: HttpRequest, incident: Any, data: dict[str, Any]) -> None:
        investigator = data["investigator"]
        if investigator is not None and investigator.pk != incident.investigator_id:
            manager_require(request)
        services.incident_investigation_save(
            incident=incident, acting_user=request.user, findings=data["findings"], root_cause=data["root_cause"],
            investigator=investigator, completed=data["completed"],
        )  # fmt: skip


class PersonAddView(_IncidentAction):
    form_name, success = "person_form", "The person was added."

    def make_form(self, request: HttpRequest) -> Any:
        return PersonForm(request.POST, tenant=request.tenant)  # type: ignore[attr-defined]

    def act(self, request: HttpRequest, incident: Any, data: dict[str, Any]) -> None:
        person = services.PersonInput(role=data["role"], user=data["user"], name=data["name"], notes=data["notes"])
        services.incident_person_add(incident=incident, person=person, acting_user=request.user)


class PersonRemoveView(DetailView):
    def post(self, request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
        incident = incident_get_for(request, pk)
        manager_require(request)
        person = IncidentPerson.objects.filter(incident=incident, pk=person_pk).select_related("incident").first()
        if person is None:
            messages.error(request, "That person is not listed any more.")
        else:
            try:
                services.incident_person_remove(person=person, acting_user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, "The person was removed.")
        return HttpResponseRedirect(reverse("incidents:detail", args=[incident.pk]))


class AttachmentAddView(_IncidentAction):
    form_name, success = "attachment_form", "The file was attached."

    def check(self, request: HttpRequest, incident: Any) -> None:
        reporter_or_manager_require(request, incident)

    def make_form(self, request: HttpRequest) -> Any:
        return AttachmentForm(request.POST, request.FILES)

    def act(self, request: HttpRequest, incident: Any, data: dict[str, Any]) -> None:
        services.incident_attachment_add(incident=incident, upload=data["file"], acting_user=request.user)


class AttachmentFileView(IncidentsPage):
    def get(self, request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
        found = attachment_get_for(request, pk, attachment_pk)
        inline = found.content_type.startswith("image/")
        return FileResponse(found.file.open("rb"), content_type=found.content_type, filename=found.name,
                            as_attachment=not inline)  # fmt: skip


class ActionAddView(_IncidentAction):
    form_name, success = "action_form", "The corrective action was created as a task."

    def make_form(self, request: HttpRequest) -> Any:
        return ActionForm(request.POST, tenant=request.tenant)  # type: ignore[attr-defined]

    def act(self, request: HttpRequest, incident: Any, data: dict[str, Any]) -> None:
        services.incident_action_create(
            incident=incident, title=data["title"], description=data["description"], assignee=data["assignee"],
            due_at=local_to_aware(data["due_at"], incident.workplace), acting_user=request.user,
        )  # fmt: skip


class RegulatorView(_IncidentAction):
    form_name, success = "regulator_form", "The regulator details were saved."

    def make_form(self, request: HttpRequest) -> Any:
        return RegulatorForm(request.POST)

    def act(self, request: HttpRequest, incident: Any, data: dict[str, Any]) -> None:
        services.incident_regulator_set(
            incident=incident, notifiable=data["notifiable"], reference=data["reference"], acting_user=request.user,
            deadline=local_to_aware(data["deadline"], incident.workplace),
            notified_at=local_to_aware(data["notified_at"], incident.workplace),
        )  # fmt: skip


class SettingsView(IncidentsPage):
    """The regulator rules: the deadline per incident type (a table) and the warning and flagging settings
    (two forms, each posting to its own URL)."""

    tenant_access = "admin"

    def render_page(self, *, form: Any = None, deadlines: Any = None, status: int = 200) -> HttpResponse:
        if form is None:
            current = services.settings_get()
            form = SettingsForm(initial={name: getattr(current, name) for name in SettingsForm.base_fields})
        if deadlines is None:
            deadlines = DeadlinesForm(initial=DeadlinesForm.initial_from(regulator_deadlines()))
        return self.page("incidents/settings.html", {"form": form, "deadlines": deadlines}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page()

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                services.settings_save(acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "The regulator rules were saved.")
                return HttpResponseRedirect(reverse("incidents:settings"))
        return self.render_page(form=form, status=400)


class DeadlinesView(SettingsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponseRedirect(reverse("incidents:settings"))

    def post(self, request: HttpRequest) -> HttpResponse:
        deadlines = DeadlinesForm(request.POST)
        if deadlines.is_valid():
            try:
                services.deadline_hours_save(hours=deadlines.hours(), rules=deadlines.rules(),
                                             acting_user=request.user)  # fmt: skip
            except ValidationError as exc:
                apply_errors(deadlines, exc)
            else:
                messages.success(request, "The deadlines were saved; incidents already flagged keep theirs.")
                return HttpResponseRedirect(reverse("incidents:settings"))
        return self.render_page(deadlines=deadlines, status=400)
