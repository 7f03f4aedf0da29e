"""Portal pages of inspections (/manage/inspections/): the due and done list, the perform form, the
result page; for tenant admins also the template builder, the schedules and the trends."""

import datetime
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import is_tenant_admin
from apps.inspections.access import InspectionsAccessMixin, inspection_for, visible_to
from apps.inspections.models import InspectionSchedule, InspectionStatus, InspectionTemplate
from apps.inspections.selectors import (
    answers_of,
    current_templates,
    inspection_list,
    most_failed,
    score_trend,
    site_trends,
)
from apps.inspections.services import (
    evidence_add,
    inspection_claim,
    inspection_start,
    inspection_submit,
    schedule_create,
    signature_file,
    template_publish,
    template_sections,
)
from apps.surfaces.portal import TenantPortalView

from .forms import BUILDER_HELP, FilterForm, ScheduleForm, StartForm, TemplateForm, builder_text

PAGE_SIZE = 25


def _refusal(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


class InspectionListView(InspectionsAccessMixin, TenantPortalView):
    def get(self, request: HttpRequest) -> HttpResponse:
        filters = FilterForm(request.GET or None)
        data = filters.cleaned_data if filters.is_valid() else {}
        rows = inspection_list(user=visible_to(request), status=data.get("status", ""),
                               template=data.get("template", ""), workplace=data.get("workplace", ""),
                               search=data.get("q", ""))  # fmt: skip
        page = Paginator(rows.order_by("-due_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
        context = {"page_obj": page, "filters": filters, "is_admin": is_tenant_admin(request),
                   "start_form": StartForm(), "templates": current_templates()}  # fmt: skip
        return render(request, "inspections/list.html", context)


class StartView(InspectionsAccessMixin, TenantPortalView):
    def post(self, request: HttpRequest) -> HttpResponse:
        form = StartForm(request.POST)
        template = InspectionTemplate.objects.filter(code=request.POST.get("template", ""), is_current=True).first()
        if not form.is_valid() or template is None:
            messages.error(request, "Choose a current template and a site.")
            return HttpResponseRedirect(reverse("inspections:list"))
        try:
            inspection = inspection_start(template=template, workplace=form.cleaned_data["workplace"],
                                          acting_user=request.user)  # fmt: skip
        except ValidationError as exc:
            _refusal(request, exc)
            return HttpResponseRedirect(reverse("inspections:list"))
        return HttpResponseRedirect(reverse("inspections:perform", args=[inspection.pk]))


class InspectionDetailView(InspectionsAccessMixin, TenantPortalView):
    def get(self, request: HttpRequest, inspection: int) -> HttpResponse:
        found = inspection_for(request, inspection)
        context = {"inspection": found, "answers": answers_of(found),
                   "evidence": found.evidence.select_related("item")}  # fmt: skip
        return render(request, "inspections/detail.html", context)


class PerformView(InspectionsAccessMixin, TenantPortalView):
    def get(self, request: HttpRequest, inspection: int) -> HttpResponse:
        found = inspection_for(request, inspection)
        if found.status == InspectionStatus.SUBMITTED:
            return HttpResponseRedirect(reverse("inspections:detail", args=[found.pk]))
        items = found.template.items.select_related("section").order_by("position")
        context = {"inspection": found, "items": items, "client_id": uuid.uuid4()}
        return render(request, "inspections/perform.html", context)

    def post(self, request: HttpRequest, inspection: int) -> HttpResponse:
        found = inspection_for(request, inspection)
        items = list(found.template.items.all())
        answers = [{"item": item.pk, "value": request.POST.get(f"item-{item.pk}", ""),
                    "note": request.POST.get(f"note-{item.pk}", "")} for item in items]  # fmt: skip
        try:
            with transaction.atomic():
                found = inspection_start(inspection=found, acting_user=request.user)
                for item in items:
                    for upload in request.FILES.getlist(f"photo-{item.pk}"):
                        evidence_add(inspection=found, upload=upload, item=item, acting_user=request.user)
                signature = signature_file(upload=request.FILES.get("signature"),
                                           data_url=request.POST.get("signature_data_url", ""))  # fmt: skip
                found, _ = inspection_submit(inspection=found, answers=answers, acting_user=request.user,
                                             client_id=request.POST.get("client_id", ""), signature=signature,
                                             notes=request.POST.get("notes", ""))  # fmt: skip
        except ValidationError as exc:
            _refusal(request, exc)
            return HttpResponseRedirect(reverse("inspections:perform", args=[inspection]))
        messages.success(request, f"Submitted: {found.score} % ({'passed' if found.passed else 'failed'}).")
        return HttpResponseRedirect(reverse("inspections:detail", args=[found.pk]))


class ClaimView(InspectionsAccessMixin, TenantPortalView):
    """Take an inspection offered to a role (the task engine's claim rules), then perform it."""

    def post(self, request: HttpRequest, inspection: int) -> HttpResponse:
        found = inspection_for(request, inspection)
        try:
            inspection_claim(inspection=found, acting_user=request.user)
        except ValidationError as exc:
            _refusal(request, exc)
            return HttpResponseRedirect(reverse("inspections:list"))
        messages.success(request, "The inspection is yours.")
        return HttpResponseRedirect(reverse("inspections:perform", args=[found.pk]))


class TemplateListView(InspectionsAccessMixin, TenantPortalView):
    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        code = request.GET.get("edit", "")
        initial: dict[str, Any] = {"pass_mark": 80}
        editing = current_templates().filter(code=code).first() if code else None
        if editing is not None:
            initial = {"code": editing.code, "name": editing.name, "pass_mark": editing.pass_mark,
                       "items": builder_text(template_sections(editing))}  # fmt: skip
        rows = InspectionTemplate.objects.order_by("code", "-version")
        context = {"templates": rows[:200], "form": TemplateForm(initial=initial), "help": BUILDER_HELP,
                   "editing": editing}  # fmt: skip
        return render(request, "inspections/templates.html", context)


class TemplatePublishView(InspectionsAccessMixin, TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                template = template_publish(code=data["code"], name=data["name"], pass_mark=data["pass_mark"],
                                            sections=data["items"], acting_user=request.user)  # fmt: skip
            except ValidationError as exc:
                _refusal(request, exc)
            else:
                messages.success(request, f"Published {template.code} version {template.version}.")
                return HttpResponseRedirect(reverse("inspections:templates"))
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        rows = InspectionTemplate.objects.order_by("code", "-version")
        return render(request, "inspections/templates.html",
                      {"templates": rows[:200], "form": form, "help": BUILDER_HELP}, status=400)  # fmt: skip


class ScheduleListView(InspectionsAccessMixin, TenantPortalView):
    tenant_access = "admin"

    def get(self, request: HttpRequest, form: ScheduleForm | None = None) -> HttpResponse:
        rows = InspectionSchedule.objects.select_related("workplace", "assignee", "role").order_by(
            "template_code", "id"
        )
        context = {"schedules": rows[:500],
                   "form": form or ScheduleForm(initial={"starts_on": timezone.localdate()})}  # fmt: skip
        return render(request, "inspections/schedules.html", context, status=400 if form else 200)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            return self.get(request, form)
        data = form.cleaned_data
        try:
            schedule_create(template_code=data["template"], workplace=data["workplace"], rrule=data["rrule"],
                            starts_on=data["starts_on"], time_of_day=data["time_of_day"], role=data["role"],
                            creates_task=data["creates_task"], acting_user=request.user)  # fmt: skip
        except ValidationError as exc:
            _refusal(request, exc)
            return self.get(request, form)
        messages.success(request, "Scheduled; due inspections appear within the hour (14 days ahead).")
        return HttpResponseRedirect(reverse("inspections:schedules"))


class TrendsView(InspectionsAccessMixin, TenantPortalView):
    """Results over time: the score of each occurrence per site (a sparkline against the pass mark) with
    the site's pass rate, the weekly average and pass rate, and the items failed most."""

    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        templates = current_templates()
        code = request.GET.get("template") or (templates[0].code if templates else "")
        workplace = request.GET.get("workplace", "").strip().upper()
        since = timezone.now() - datetime.timedelta(weeks=12)
        current = next((t for t in templates if t.code == code), None)
        pass_mark = current.pass_mark if current is not None else 0
        sites = site_trends(template=code, workplace=workplace, since=since) if code else []
        for site in sites:
            site["line"] = sparkline([point["score"] for point in site["points"]])
        context = {"templates": templates, "code": code, "workplace": workplace, "pass_mark": pass_mark,
                   "mark_y": SPARK_HEIGHT - SPARK_HEIGHT * pass_mark / 100, "spark": (SPARK_WIDTH, SPARK_HEIGHT),
                   "sites": sites,
                   "weeks": score_trend(template=code, workplace=workplace, since=since) if code else [],
                   "failed": most_failed(template=code, workplace=workplace, since=since) if code else []}  # fmt: skip
        return render(request, "inspections/trends.html", context)


SPARK_WIDTH, SPARK_HEIGHT = 240, 40


def sparkline(scores: list[Any]) -> str:
    """SVG polyline points of scores (0..100) from left to right, oldest first (a single score: a flat line)."""
    if not scores:
        return ""
    step = SPARK_WIDTH / max(len(scores) - 1, 1)
    values = scores if len(scores) > 1 else scores * 2
    return " ".join(f"{i * step:.1f},{SPARK_HEIGHT - SPARK_HEIGHT * float(v) / 100:.1f}" for i, v in enumerate(values))
