"""Portal: the signed-in person's own account (profile, password, MFA, sessions).

Every active member sees only their own account; sessions are looked up among their own, so
someone else's session id is a 404.
"""

import zoneinfo
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from apps.security.otp import otp_factors_for
from apps.security.otp_selectors import otp_channels_allowed
from apps.security.selectors import mfa_factors_for, mfa_required_for, user_session_get_for_user, user_sessions_open
from apps.security.services import PROFILE_FIELDS, user_logout_everywhere, user_profile_update, user_session_revoke
from apps.surfaces.portal import TenantPortalMixin, TenantPortalView

from .forms import LogoutEverywhereForm, ProfileForm


def _signed_out_here(request: HttpRequest) -> HttpResponse:
    # The service already ended this session and recorded why; flushing (not logout()) avoids a
    # second "logged out" event, and drops the deleted session so it is not saved again.
    request.session.flush()
    request.user = AnonymousUser()
    return HttpResponseRedirect(reverse("account_login"))


class AccountView(TenantPortalMixin, TemplateView):
    tenant_access = "member"
    template_name = "account/portal/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["factors"] = list(mfa_factors_for(user=user))
        context["has_factor"] = any(f.type != f.Type.RECOVERY_CODES for f in context["factors"])
        context["mfa_required"] = mfa_required_for(user=user)
        context["otp_allowed"] = otp_channels_allowed(user=user, tenant=self.request.tenant)  # type: ignore[attr-defined]
        context["otp_factors"] = {factor.channel: factor for factor in otp_factors_for(user=user)}
        context["sessions"] = list(user_sessions_open(user=user))
        context["current_session_key"] = self.request.session.session_key
        return context


class ProfileView(TenantPortalMixin, FormView):
    tenant_access = "member"
    template_name = "account/portal/profile.html"
    form_class = ProfileForm

    def get_initial(self) -> dict[str, Any]:
        return {name: getattr(self.request.user, name) for name in PROFILE_FIELDS}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["time_zones"] = sorted(zoneinfo.available_timezones())
        return context

    def form_valid(self, form: ProfileForm) -> HttpResponse:
        user_profile_update(user=self.request.user, acting_user=self.request.user, **form.cleaned_data)  # type: ignore[arg-type]
        messages.success(self.request, "Your profile was saved.")
        return HttpResponseRedirect(reverse("account:index"))


class SessionRevokeView(TenantPortalView):
    tenant_access = "member"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = user_session_get_for_user(user=request.user, pk=pk)
        try:
            user_session_revoke(user_session=session, acting_user=request.user)
        except ValidationError as exc:  # ended meanwhile (another tab, staff)
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("account:index"))
        if session.session_key == request.session.session_key:
            return _signed_out_here(request)
        messages.success(request, f"The session on {session.device_name or 'an unknown device'} was ended.")
        return HttpResponseRedirect(reverse("account:index"))


class LogoutEverywhereView(TenantPortalMixin, FormView):
    """A confirmation page, then (POST) every session and API token of the person ends."""

    tenant_access = "member"

    template_name = "account/portal/logout_everywhere.html"
    form_class = LogoutEverywhereForm

    def form_valid(self, form: LogoutEverywhereForm) -> HttpResponse:
        user_logout_everywhere(user=self.request.user, acting_user=self.request.user)  # type: ignore[arg-type]
        return _signed_out_here(self.request)
