"""Portal: the solution access registry (tenant admins) and each solution's landing page (the
people the registry lets in)."""

import contextlib
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from apps.catalogue.models import Solution
from apps.catalogue.selectors import solution_get
from apps.core.contributions import MenuEntry, contributions
from apps.solutions.access import SolutionRequiredMixin
from apps.solutions.models import SolutionAccess
from apps.solutions.selectors import access_history, access_list, access_sources, plan_solutions_of
from apps.solutions.services import solution_access_grant, solution_access_revoke
from apps.surfaces.portal import TenantPortalView

from .forms import SolutionGrantForm, SolutionRevokeForm


def _access_get(pk: int) -> SolutionAccess:
    access = access_list(include_revoked=True).filter(pk=pk).first()
    if access is None:
        raise Http404("No such access grant in this organisation.")
    return access


class SolutionAccessListView(TenantPortalView):
    tenant_access = "admin"
    template_name = "solutions/access_list.html"

    def context(self, form: SolutionGrantForm | None = None) -> dict[str, Any]:
        tenant = self.request.tenant  # type: ignore[attr-defined]
        solutions = list(plan_solutions_of(tenant))
        grants: dict[str, list[SolutionAccess]] = {solution.code: [] for solution in solutions}
        for grant in access_list():
            grants.setdefault(grant.solution_code, []).append(grant)
        return {
            "solutions": [(solution, grants[solution.code]) for solution in solutions],
            "form": form or SolutionGrantForm(tenant=tenant, solutions=solutions),
            "history": access_history(),
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, self.context())


class SolutionAccessGrantView(SolutionAccessListView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponseRedirect(reverse("solutions:access_list"))

    def post(self, request: HttpRequest) -> HttpResponse:
        tenant = request.tenant  # type: ignore[attr-defined]
        form = SolutionGrantForm(request.POST, tenant=tenant, solutions=list(plan_solutions_of(tenant)))
        if form.is_valid():
            data = form.cleaned_data
            try:
                access = solution_access_grant(
                    solution_code=data["solution_code"], user=data["user"], role=data["role"],
                    reason=data["reason"], acting_user=request.user,
                )  # fmt: skip
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"{access.grantee_label} may now use {access.solution_code}.")
                return HttpResponseRedirect(reverse("solutions:access_list"))
        return render(request, self.template_name, self.context(form), status=400)


class SolutionAccessRevokeView(TenantPortalView):
    tenant_access = "admin"
    template_name = "solutions/access_revoke.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(request, self.template_name, {"access": _access_get(pk), "form": SolutionRevokeForm()})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        access = _access_get(pk)
        form = SolutionRevokeForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            solution_access_revoke(access=access, acting_user=request.user, reason=reason)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{access.grantee_label} no longer has access to {access.solution_code}.")
        return HttpResponseRedirect(reverse("solutions:access_list"))


class SolutionHomeView(SolutionRequiredMixin, TemplateView):
    """The solution's landing page: the thing the registry gates (the solution itself comes later)."""

    template_name = "solutions/solution_home.html"
    solution: Solution

    def get_solution_code(self) -> str:
        return self.kwargs["code"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        solution = solution_get(kwargs["code"])
        if solution is None:
            raise Http404("No such solution.")
        self.solution = solution
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        tenant = self.request.tenant  # type: ignore[attr-defined]
        sources = access_sources(user=self.request.user, tenant=tenant, solution_code=self.solution.code)
        return {
            **super().get_context_data(**kwargs),
            "solution": self.solution,
            "sources": sources,
            "pages": solution_pages(self.solution.code, admin="you are a tenant admin" in sources),
        }


def solution_pages(code: str, *, admin: bool) -> list[dict[str, str]]:
    """The portal pages the apps declare for this solution (`MenuEntry(..., solution=code)`) that this
    person is offered: the landing page links to them."""
    pages = []
    for entry in contributions(MenuEntry):
        if entry.solution != code or (entry.admin_only and not admin):
            continue
        with contextlib.suppress(NoReverseMatch):
            pages.append({"label": entry.label, "url": reverse(entry.url_name)})
    return pages
