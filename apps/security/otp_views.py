"""The second-factor step of sign-in with one-time codes (allauth's MFA stage, extended).

allauth asks for a second factor when the MFA adapter says the person has one
(`MFAAdapter.is_mfa_enabled`, which counts a confirmed code factor this domain allows). This view
replaces allauth's `mfa_authenticate` page (same URL and name, tried first): the person may type an
authenticator or recovery code, use a security key, or press "Email me a code" / "Text me a code"
(`CodeSendView`) and type the code received. Both views stand on allauth's login stage: without a
sign-in waiting for its second factor they send the visitor to the sign-in page.
"""

from typing import Any

from allauth.account.internal.decorators import login_stage_required
from allauth.account.internal.flows.login import record_authentication
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.base.views import AuthenticateView
from allauth.mfa.models import Authenticator
from allauth.mfa.stages import AuthenticateStage
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View

from .context import current_tenant
from .otp import OtpError, code_ttl_minutes, destination_label, otp_code_send, otp_code_verify, otp_code_waiting
from .otp_selectors import otp_factors_usable

# These codes tell the person more than "incorrect" even when an authenticator code was possible too.
_SPECIFIC = ("otp_expired", "otp_attempts_exceeded")


def _has_typed_factor(user: Any) -> bool:
    """TOTP or recovery codes: a code typed may be one of those instead of an emailed/texted one."""
    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.WEBAUTHN).exists()


class CodeAuthenticateForm(AuthenticateForm):
    """allauth's code form, also accepting the latest code sent by email or SMS."""

    otp_channel: str | None = None

    def clean_code(self) -> str:
        code = str(self.cleaned_data.get("code") or "").strip()
        tenant = current_tenant(context.request)
        typed = _has_typed_factor(self.user)
        otp_error = None
        if otp_factors_usable(user=self.user, tenant=tenant) and (not typed or otp_code_waiting(user=self.user)):
            try:
                self.otp_channel = otp_code_verify(user=self.user, code=code, tenant=tenant)
                return code
            except OtpError as exc:
                otp_error = exc
        if not typed:
            error = otp_error or OtpError("otp_invalid", "Ask for a code first, then type it here.")
            raise ValidationError(error.message, code=error.code)
        try:
            return str(super().clean_code())
        except ValidationError:
            if otp_error is not None and otp_error.code in _SPECIFIC:
                raise ValidationError(otp_error.message, code=otp_error.code) from None
            raise

    def save(self) -> None:
        if self.otp_channel is None:
            super().save()
            return
        record_authentication(context.request, self.user, "mfa", type=self.otp_channel)


class CodeAuthenticateView(AuthenticateView):
    form_class = CodeAuthenticateForm
    template_name = "mfa/authenticate.html"

    def get_form_class(self) -> type[CodeAuthenticateForm]:
        return CodeAuthenticateForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        data = super().get_context_data(**kwargs)
        user = self.stage.login.user
        factors = otp_factors_usable(user=user, tenant=current_tenant(self.request))
        data["otp_factors"] = [
            {"channel": f.channel, "destination": destination_label(f, user), "label": f.get_channel_display()}
            for f in factors
        ]
        kinds = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
        data["has_security_key"] = Authenticator.Type.WEBAUTHN in kinds
        data["has_typed_factor"] = bool(kinds - {Authenticator.Type.WEBAUTHN})
        data["otp_minutes"] = code_ttl_minutes()
        return data


@method_decorator(login_stage_required(stage=AuthenticateStage.key, redirect_urlname="account_login"), name="dispatch")
class CodeSendView(View):
    """POST channel=email|sms: send a sign-in code to the person waiting at the second-factor step."""

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request._login_stage.login.user  # type: ignore[attr-defined]
        try:
            sent = otp_code_send(
                user=user, channel=str(request.POST.get("channel", "")), tenant=current_tenant(request)
            )
        except OtpError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"We sent a code to {sent.destination}. It expires in {code_ttl_minutes()} minutes."
            )
        return redirect("mfa_authenticate")
