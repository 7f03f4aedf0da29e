"""Portal pages of workplaces (/manage/workplaces/): members with access to the workplaces or
attendance solution read; tenant admins create and edit, set geofences and add departments."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import ListView

from apps.accounts.access import is_tenant_admin
from apps.organisation.portal.forms import apply_errors
from apps.surfaces.portal import TenantPortalView
from apps.workplaces import geofence, services
from apps.workplaces.access import WorkplacesAccessMixin
from apps.workplaces.models import Workplace
from apps.workplaces.selectors import departments_of, next_holidays, workplace_get, workplace_list, workplace_tree

from .forms import DepartmentForm, GeofenceForm, PointTestForm, WorkplaceFilterForm, WorkplaceForm


class WorkplaceListView(WorkplacesAccessMixin, ListView):
    tenant_access = "member"
    template_name = "workplaces/list.html"
    context_object_name = "workplaces"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Workplace]:
        self.filter_form = WorkplaceFilterForm(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return workplace_list(kind=data.get("kind", ""), search=data.get("q", "").strip()).order_by(
            "kind", "name", "id"
        )

    def get_template_names(self) -> list[str]:
        htmx = getattr(self.request, "htmx", None)
        return ["workplaces/_results.html"] if htmx and not htmx.boosted else [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(filter_form=self.filter_form, is_admin=is_tenant_admin(self.request), **kwargs)


class WorkplaceTreeView(WorkplacesAccessMixin, TenantPortalView):
    tenant_access = "member"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, "workplaces/tree.html", {"nodes": workplace_tree(), "is_admin": is_tenant_admin(request)}
        )


class WorkplaceFormView(WorkplacesAccessMixin, TenantPortalView):
    tenant_access = "admin"

    def workplace(self) -> Workplace | None:
        return workplace_get(self.kwargs["key"]) if "key" in self.kwargs else None

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        workplace = self.workplace()
        initial = {"kind": request.GET.get("kind", "site"), "time_zone": "UTC"}
        if workplace is not None:
            initial = {name: getattr(workplace, name) for name in WorkplaceForm.base_fields}
        return self.render_form(WorkplaceForm(initial=initial, workplace=workplace), workplace)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        workplace = self.workplace()
        initial = {"kind": workplace.kind, "code": workplace.code} if workplace else None
        form = WorkplaceForm(request.POST, initial=initial, workplace=workplace)
        if form.is_valid():
            try:
                if workplace is None:
                    workplace = services.workplace_create(**form.service_fields(), acting_user=request.user)
                else:
                    services.workplace_update(workplace=workplace, **form.service_fields(), acting_user=request.user)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{workplace.name} was saved.")
                return HttpResponseRedirect(reverse("workplaces:detail", args=[workplace.code]))
        return self.render_form(form, workplace, status=400)

    def render_form(self, form: WorkplaceForm, workplace: Workplace | None, status: int = 200) -> HttpResponse:
        return render(self.request, "workplaces/form.html", {"form": form, "workplace": workplace}, status=status)


class WorkplaceDetailView(WorkplacesAccessMixin, TenantPortalView):
    tenant_access = "member"

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        return self.render_page(workplace_get(key))

    def render_page(self, workplace: Workplace, status: int = 200, **forms_: Any) -> HttpResponse:
        fence = getattr(workplace, "geofence", None)
        initial = {"shape": fence.shape, "center_lat": fence.center_lat, "center_lng": fence.center_lng,
                   "radius_m": fence.radius_m, "vertices": GeofenceForm.vertices_text(fence.vertices)} if fence else {
                   "shape": "circle"}  # fmt: skip
        is_site = workplace.kind == Workplace.Kind.SITE
        context = {
            "workplace": workplace, "fence": fence, "is_admin": is_tenant_admin(self.request), "is_site": is_site,
            "children": workplace_list().filter(parent=workplace) if not is_site else [],
            "departments": departments_of(workplace) if is_site else [],
            "holidays": next_holidays(workplace, today=timezone.localdate(), days=365)[:12],
            "geofence_form": forms_.get("geofence_form") or GeofenceForm(initial=initial),
            "department_form": forms_.get("department_form") or DepartmentForm(),
            "point_form": PointTestForm(initial={"accuracy_m": 0}),
        }  # fmt: skip
        return render(self.request, "workplaces/detail.html", context, status=status)


class GeofenceEditView(WorkplaceDetailView):
    tenant_access = "admin"

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        workplace = workplace_get(key)
        form = GeofenceForm(request.POST)
        if form.is_valid():
            try:
                services.geofence_set(site=workplace, acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"The geofence of {workplace.name} was saved.")
                return HttpResponseRedirect(reverse("workplaces:detail", args=[workplace.code]))
        return self.render_page(workplace, status=400, geofence_form=form)


class DepartmentCreateView(WorkplaceDetailView):
    tenant_access = "admin"

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        workplace = workplace_get(key)
        form = DepartmentForm(request.POST)
        if form.is_valid():
            try:
                department = services.department_create(site=workplace, acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"The department {department.name} was added.")
                return HttpResponseRedirect(reverse("workplaces:detail", args=[workplace.code]) + "#departments")
        return self.render_page(workplace, status=400, department_form=form)


class PointTestView(WorkplacesAccessMixin, TenantPortalView):
    """The live "test a point" box (htmx): the verdict of a position against the site's fence."""

    tenant_access = "member"

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        workplace = workplace_get(key)
        fence = getattr(workplace, "geofence", None)
        form = PointTestForm(request.POST)
        context: dict[str, Any] = {"form": form, "workplace": workplace}
        if fence is None:
            context["error"] = "This site has no geofence yet."
        elif form.is_valid():
            data = form.cleaned_data
            context["verdict"] = geofence.verdict(fence.fence(), data["lat"], data["lng"], data["accuracy_m"] or 0)
        return render(request, "workplaces/_point_result.html", context, status=200 if "verdict" in context else 400)
