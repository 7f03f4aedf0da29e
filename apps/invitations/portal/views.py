"""Portal: the tenant's invitations (tenant admins invite, resend, cancel; members may look), and the
public pages where the invitee accepts or declines with the emailed token (no sign-in needed to open)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import FormView, ListView

from apps.accounts.access import is_tenant_admin
from apps.invitations.models import Invitation
from apps.invitations.selectors import invitation_for_token, invitation_get_for_tenant, invitations_for_tenant
from apps.invitations.services import (
    CLOSED,
    invitation_accept,
    invitation_answerable,
    invitation_cancel,
    invitation_create,
    invitation_decline,
    invitation_invitee,
    invitation_resend,
)
from apps.surfaces.portal import PortalActionView, TenantPortalMixin, TenantPortalView

from .forms import CancelForm, DeclineForm, InvitationCreateForm, InvitationFilterForm, NewAccountForm

# Which form field a service refusal belongs to on the invite form.
CREATE_ERROR_FIELDS = {"invalid_email": "email", "already_member": "email", "already_invited": "email"}


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


class InvitationListView(TenantPortalMixin, ListView):
    tenant_access = "member"
    template_name = "invitations/list.html"
    context_object_name = "invitations"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[Invitation]:
        form = InvitationFilterForm(self.request.GET)
        data = form.cleaned_data if form.is_valid() else {}
        return invitations_for_tenant(
            tenant=self.request.tenant,  # type: ignore[attr-defined]
            status=data.get("status", ""),
            search=data.get("q", ""),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter_form"] = InvitationFilterForm(self.request.GET or None)
        context["is_admin"] = is_tenant_admin(self.request)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


class InvitationCreateView(TenantPortalMixin, FormView):
    tenant_access = "admin"
    template_name = "invitations/create.html"
    form_class = InvitationCreateForm

    def form_valid(self, form: InvitationCreateForm) -> HttpResponse:
        try:
            invitation = invitation_create(
                tenant=self.request.tenant, email=form.cleaned_data["email"],  # type: ignore[attr-defined]
                role=form.cleaned_data["role"], acting_user=self.request.user, site_url=_site_url(self.request),
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(CREATE_ERROR_FIELDS.get(exc.error_list[0].code or ""), exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Invitation sent to {invitation.email}.")
        return HttpResponseRedirect(reverse("invitations:list"))


class InvitationActionView(PortalActionView):
    """POST one change to an invitation; a refusal comes back as a message and changes nothing."""

    tenant_access = "admin"

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Invitation:
        return invitation_get_for_tenant(tenant=request.tenant, pk=kwargs["pk"])  # type: ignore[attr-defined]

    def error_message(self, obj: Invitation, exc: ValidationError) -> str:
        return f"{obj.email}: {' '.join(exc.messages)}"

    def done_message(self, obj: Invitation) -> str:
        return self.done.format(email=obj.email)

    def success_url(self, obj: Invitation) -> str:
        return reverse("invitations:list")


class InvitationResendView(InvitationActionView):
    done = "Invitation sent again to {email}."

    def perform(self, invitation: Invitation, data: dict[str, Any]) -> None:
        invitation_resend(invitation=invitation, acting_user=self.request.user, site_url=_site_url(self.request))


class InvitationCancelView(InvitationActionView):
    done = "Invitation to {email} cancelled."

    def perform(self, invitation: Invitation, data: dict[str, Any]) -> None:
        form = CancelForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError(list(form.errors["reason"]))
        invitation_cancel(invitation=invitation, acting_user=self.request.user, reason=form.cleaned_data["reason"])


# --- The invitee's pages --------------------------------------------------------------------------


def _closed(request: HttpRequest, invitation: Invitation | None) -> HttpResponse | None:
    """The page for a link that cannot be answered (unknown, or no longer pending), else None."""
    if invitation is None:
        context = {"message": "This invitation link is not valid.", "code": "invalid_token"}
        return render(request, "invitations/closed.html", context, status=404)
    if invitation.effective_status in CLOSED:
        message, code = CLOSED[invitation.effective_status]
        return render(request, "invitations/closed.html", {"message": message, "code": code}, status=400)
    return None


def _refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    code = exc.error_list[0].code or "invalid"
    context = {"message": " ".join(exc.messages), "code": code}
    return render(request, "invitations/closed.html", context, status=404 if code == "invalid_token" else 400)


class InvitationAcceptView(TenantPortalView):
    """Open to anyone holding the link; who may accept is decided by `invitation_invitee`."""

    tenant_access = "public"  # the invitee is not a member yet; the emailed token is the credential

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = invitation_for_token(token=token, tenant=getattr(request, "tenant", None))
        return _closed(request, invitation) or self.page(request, invitation, token)  # type: ignore[arg-type]

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            invitation = invitation_answerable(token=token, tenant=request.tenant)  # type: ignore[attr-defined]
        except ValidationError as exc:
            return _refused(request, exc)
        form = NewAccountForm(request.POST, email=invitation.email)
        try:
            is_new = invitation_invitee(invitation=invitation, user=request.user) is None
        except ValidationError as exc:
            return self.page(request, invitation, token, error=exc, status=400)
        if is_new and not form.is_valid():
            return self.page(request, invitation, token, form=form, status=400)
        data = form.cleaned_data if is_new else {}
        try:
            membership = invitation_accept(
                token=token, tenant=request.tenant, user=request.user,  # type: ignore[attr-defined]
                password=data.get("password1", ""), full_name=data.get("full_name", ""),
            )  # fmt: skip
        except ValidationError as exc:
            return self.page(request, invitation, token, form=form, error=exc, status=400)
        return self.joined(request, membership, is_new)

    def page(self, request: HttpRequest, invitation: Invitation, token: str, **extra: Any) -> HttpResponse:
        status, error = extra.pop("status", 200), extra.pop("error", None)
        context = {"invitation": invitation, "token": token, **extra}
        try:
            context["invitee"] = invitation_invitee(invitation=invitation, user=request.user)
        except ValidationError as exc:
            error = error or exc
        context.setdefault("form", NewAccountForm(email=invitation.email))
        if error is not None:
            context["error"], context["error_code"] = " ".join(error.messages), _code(error)
        login = reverse("account_login")
        context["login_url"] = f"{login}?{urlencode({'next': request.get_full_path()})}"
        return render(request, "invitations/accept.html", context, status=status)

    def joined(self, request: HttpRequest, membership: Any, is_new: bool) -> HttpResponse:
        tenant_name = membership.tenant.name
        if is_new:
            messages.success(request, f"Your account is ready. Sign in to start using {tenant_name}.")
            return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': '/manage/'})}")
        messages.success(request, f"You joined {tenant_name} as {membership.get_role_display()}.")
        return HttpResponseRedirect(reverse("portal:dashboard"))


def _code(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "invalid_" + next(iter(error.error_dict))
    return error.error_list[0].code or "invalid"


class InvitationDeclineView(TenantPortalView):
    """Open to anyone holding the link: declining needs no account."""

    tenant_access = "public"  # declining needs no account; the emailed token is the credential

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = invitation_for_token(token=token, tenant=getattr(request, "tenant", None))
        context = {"invitation": invitation, "form": DeclineForm(), "token": token}
        return _closed(request, invitation) or render(request, "invitations/decline.html", context)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        form = DeclineForm(request.POST)
        try:
            invitation = invitation_answerable(token=token, tenant=request.tenant)  # type: ignore[attr-defined]
            if not form.is_valid():
                context = {"invitation": invitation, "form": form, "token": token}
                return render(request, "invitations/decline.html", context, status=400)
            invitation = invitation_decline(
                token=token, tenant=request.tenant, acting_user=request.user,  # type: ignore[attr-defined]
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except ValidationError as exc:
            return _refused(request, exc)
        return render(request, "invitations/declined.html", {"invitation": invitation})
