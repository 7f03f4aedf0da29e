"""Portal: access requests (/manage/access-requests/).

Every member sees their own requests and asks for a role at an entity or for a solution; tenant
admins also see everyone's (`?show=all`, with filters). A request's page is for its requester, the
tenant admins and the people its approval trail shows it to (its approvers); anyone else gets the
same 404 as for a missing request.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from apps.accounts.access import is_tenant_admin
from apps.approvals.selectors import request_trail
from apps.organisation.portal.forms import apply_errors
from apps.surfaces.portal import PortalActionView, TenantPortalView

from ..models import AccessRequest, AccessRequestStatus
from ..selectors import (
    access_request_get_for,
    access_requests_all,
    access_requests_of,
    approval_request_of,
    requestable_entities,
    requestable_roles,
    requestable_solutions,
    solution_names,
)
from ..services import access_request_cancel, access_request_resubmit, access_request_submit
from .forms import AccessRequestForm, FilterForm, ReasonForm, ResubmitForm

PAGE_SIZE = 25


def _with_solution_names(rows: Any) -> Any:
    names = solution_names({row.solution_code for row in rows if row.solution_code})
    for row in rows:
        row.solution_name = names.get(row.solution_code, row.solution_code)
    return rows


class AccessRequestListView(TenantPortalView):
    tenant_access = "member"

    def get(self, request: HttpRequest) -> HttpResponse:
        is_admin = is_tenant_admin(request)
        show_all = is_admin and request.GET.get("show") == "all"
        filters = FilterForm(request.GET or None)
        data = filters.cleaned_data if filters.is_valid() else {}
        if show_all:
            rows = access_requests_all(status=data.get("status", ""), kind=data.get("kind", ""))
        else:
            rows = access_requests_of(request.user)
            rows = rows.filter(status=data["status"]) if data.get("status") else rows
            rows = rows.filter(kind=data["kind"]) if data.get("kind") else rows
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        _with_solution_names(page.object_list)
        htmx = getattr(request, "htmx", None)
        template = "accessrequests/_results.html" if htmx and not htmx.boosted else "accessrequests/list.html"
        context = {"page_obj": page, "access_requests": page, "filters": filters, "is_admin": is_admin,
                   "show_all": show_all}  # fmt: skip
        return render(request, template, context)


class AccessRequestCreateView(TenantPortalView):
    tenant_access = "member"
    template_name = "accessrequests/form.html"

    def form(self, data: Any = None) -> AccessRequestForm:
        initial = {"kind": self.request.GET.get("kind") or "role"}
        return AccessRequestForm(
            data, initial=initial, roles=requestable_roles(), entities=requestable_entities(),
            solutions=requestable_solutions(self.request.user, self.request.tenant),  # type: ignore[attr-defined]
        )  # fmt: skip

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": self.form()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            try:
                access_request = access_request_submit(requester=request.user, acting_user=request.user,
                                                       **form.cleaned_data)  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Your request was sent for approval.")
                return HttpResponseRedirect(reverse("accessrequests:detail", kwargs={"pk": access_request.pk}))
        return render(request, self.template_name, {"form": form}, status=400)


class AccessRequestDetailView(TenantPortalView):
    tenant_access = "member"
    template_name = "accessrequests/detail.html"

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        access_request = access_request_get_for(request.user, pk=pk, is_admin=is_tenant_admin(request))
        _with_solution_names([access_request])
        approval = approval_request_of(access_request)
        mine = access_request.requester_id == request.user.pk
        context = {
            "access_request": access_request, "approval": approval,
            "trail": request_trail(approval) if approval is not None else [],
            "can_cancel": mine and access_request.is_open,
            "can_resubmit": mine and access_request.status == AccessRequestStatus.RETURNED,
            "cancel_form": ReasonForm(), "resubmit_form": ResubmitForm(initial={"reason": access_request.reason}),
        }  # fmt: skip
        return render(request, self.template_name, context)


class _RequesterAction(PortalActionView):
    tenant_access = "member"

    def get_object(self, request: HttpRequest, **kwargs: Any) -> AccessRequest:
        return access_request_get_for(request.user, pk=kwargs["pk"], is_admin=is_tenant_admin(request))

    def success_url(self, obj: AccessRequest) -> str:
        return reverse("accessrequests:detail", kwargs={"pk": obj.pk})


class AccessRequestCancelView(_RequesterAction):
    form_class = ReasonForm
    done = "Your request was cancelled."

    def perform(self, obj: AccessRequest, data: dict[str, Any]) -> None:
        access_request_cancel(access_request=obj, acting_user=self.request.user, reason=data.get("reason", ""))


class AccessRequestResubmitView(_RequesterAction):
    form_class = ResubmitForm
    done = "Your request was sent for approval again."

    def perform(self, obj: AccessRequest, data: dict[str, Any]) -> None:
        access_request_resubmit(access_request=obj, reason=data["reason"], acting_user=self.request.user)
