"""Portal: approvals (/manage/approvals/).

Every member: the inbox "Waiting for me" (filter by kind, bulk approve), a request's page with its
whole trail and the actions the person may take there (approve, reject or return with a reason,
comment; the requester cancels or resubmits), "My requests", and their delegations. Tenant admins:
the workflows per kind, edited as ordered steps with a preview of who would approve a sample request.

A request's page is for its requester, its approvers (past or present) and tenant admins; anyone
else gets the same 404 as for a missing request. Every write goes through apps.approvals.services,
which enforces the rules (nobody approves their own request, one decision per step, reasons).
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from apps.accounts.access import is_tenant_admin
from apps.approvals import services
from apps.approvals.kinds import kind_find, kind_label
from apps.approvals.selectors import inbox_for, kinds, request_trail, requests_by
from apps.organisation.portal.forms import apply_errors
from apps.surfaces.portal import PortalActionView, TenantPortalView

from .forms import BulkApproveForm, CommentBodyForm, CommentForm, DelegationForm, NoteForm, ReasonRequiredForm
from .queries import delegation_get_for, delegations_of, request_get_for, request_steps, waiting_on

PAGE_SIZE = 25


def _kind_choices() -> list[tuple[str, str]]:
    return [(kind.name, kind.label) for kind in kinds()]


def _subject_url(request: Any) -> str:
    kind = kind_find(request.kind)
    if kind is None or not kind.url_name:
        return ""
    try:
        return reverse(kind.url_name, args=[request.subject_id])
    except NoReverseMatch:
        return ""


def _with_labels(rows: Any) -> Any:
    for row in rows:
        row.kind_label = kind_label(row.kind)
    return rows


def _list_page(request: HttpRequest, rows: Any, template: str, partial: str, **context: Any) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind:
        rows = rows.filter(kind=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    _with_labels(page.object_list)
    htmx = getattr(request, "htmx", None)
    context = {"page_obj": page, "requests": page, "kind": kind, "kinds": _kind_choices(),
               "is_admin": is_tenant_admin(request), **context}  # fmt: skip
    return render(request, partial if htmx and not htmx.boosted else template, context)


class InboxView(TenantPortalView):
    tenant_access = "member"

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = inbox_for(request.user)
        return _list_page(request, rows, "approvals/inbox.html", "approvals/_inbox_results.html")


class BulkApproveView(TenantPortalView):
    tenant_access = "member"

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BulkApproveForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return HttpResponseRedirect(reverse("approvals:inbox"))
        mine = dict(inbox_for(request.user).filter(uuid__in=form.cleaned_data["requests"]).values_list("pk", "summary"))
        approved, refused = services.requests_bulk_approve(
            request_ids=list(mine), acting_user=request.user, comment=form.cleaned_data["comment"]
        )
        if approved:
            messages.success(request, f"Approved {len(approved)} request{'s' if len(approved) != 1 else ''}.")
        for pk, reason in refused.items():
            messages.error(request, f"{mine.get(pk, pk)}: {reason}")
        if not approved and not refused:
            messages.error(request, "None of the ticked requests is waiting for you any more.")
        return HttpResponseRedirect(reverse("approvals:inbox"))


class MyRequestsView(TenantPortalView):
    tenant_access = "member"

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = requests_by(request.user)
        return _list_page(request, rows, "approvals/mine.html", "approvals/_mine_results.html")


class RequestDetailView(TenantPortalView):
    tenant_access = "member"
    template_name = "approvals/detail.html"

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        approval = request_get_for(request.user, uuid=uuid)
        approval.kind_label = kind_label(approval.kind)  # type: ignore[attr-defined]
        mine = approval.requester_id == request.user.pk
        context = {
            "approval": approval, "trail": request_trail(approval), "steps": request_steps(approval),
            "subject_url": _subject_url(approval), "waiting": waiting_on(request.user, approval),
            "is_requester": mine, "can_cancel": mine and approval.is_open,
            "can_resubmit": mine and approval.status == approval.Status.RETURNED,
            "approve_form": CommentForm(), "reason_form": ReasonRequiredForm(), "comment_form": CommentBodyForm(),
            "note_form": NoteForm(),
        }  # fmt: skip
        return render(request, self.template_name, context)


ACTIONS: dict[str, tuple[Any, str]] = {
    # action: (form, success message)
    "approve": (CommentForm, "You approved this request."),
    "reject": (ReasonRequiredForm, "You rejected this request."),
    "return": (ReasonRequiredForm, "You sent this request back for changes."),
    "comment": (CommentBodyForm, "Your comment was added."),
    "cancel": (NoteForm, "Your request was cancelled."),
    "resubmit": (NoteForm, "Your request was sent again."),
}


def _perform(action: str, request: Any, acting_user: Any, data: dict[str, Any]) -> None:
    if action == "approve":
        services.request_approve(request=request, acting_user=acting_user, comment=data.get("comment", ""))
    elif action == "reject":
        services.request_reject(request=request, acting_user=acting_user, reason=data["reason"])
    elif action == "return":
        services.request_return(request=request, acting_user=acting_user, reason=data["reason"])
    elif action == "comment":
        services.request_comment(request=request, acting_user=acting_user, body=data["body"])
    elif action == "cancel":
        services.request_cancel(request=request, acting_user=acting_user, reason=data.get("note", ""))
    elif action == "resubmit":
        services.request_resubmit(request=request, acting_user=acting_user, note=data.get("note", ""))


class RequestActionView(PortalActionView):
    """POST /manage/approvals/<uuid>/<action>/ (one URL per action, `as_view(action=...)`)."""

    tenant_access = "member"
    action = ""

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Any:
        return request_get_for(request.user, uuid=kwargs["uuid"])

    def get_form(self, request: HttpRequest) -> Any:
        return ACTIONS[self.action][0](request.POST)

    def perform(self, obj: Any, data: dict[str, Any]) -> None:
        _perform(self.action, obj, self.request.user, data)

    def done_message(self, obj: Any) -> str:
        return ACTIONS[self.action][1]

    def success_url(self, obj: Any) -> str:
        return reverse("approvals:detail", kwargs={"uuid": obj.uuid})


# --- Delegations ----------------------------------------------------------------------------------


class DelegationListView(TenantPortalView):
    tenant_access = "member"
    template_name = "approvals/delegations.html"

    def form(self, data: Any = None) -> DelegationForm:
        return DelegationForm(data, tenant=self.request.tenant, user=self.request.user, kinds=_kind_choices())  # type: ignore[attr-defined]

    def render_page(self, form: DelegationForm, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "delegations": delegations_of(self.request.user),
            "is_admin": is_tenant_admin(self.request),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(self.form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.delegation_create(
                    delegator=request.user, delegate=data["delegate"], starts_on=data["starts_on"],
                    ends_on=data["ends_on"], kinds=data["kinds"], reason=data["reason"], acting_user=request.user,
                )  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Your approvals go to {data['delegate']} from {data['starts_on']} "
                                          f"to {data['ends_on']}.")  # fmt: skip
                return HttpResponseRedirect(reverse("approvals:delegations"))
        return self.render_page(form, status=400)


class DelegationRevokeView(PortalActionView):
    tenant_access = "member"
    done = "The delegation was revoked."

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Any:
        return delegation_get_for(request.user, uuid=kwargs["uuid"])

    def perform(self, obj: Any, data: dict[str, Any]) -> None:
        services.delegation_revoke(delegation=obj, acting_user=self.request.user)

    def success_url(self, obj: Any) -> str:
        return reverse("approvals:delegations")
