"""The second-factor step of sign-in with one-time codes (allauth's MFA stage, extended).

allauth asks for a second factor when the MFA adapter says the person has one
(`MFAAdapter.is_mfa_enabled`, which counts a confirmed code factor this domain allows). allauth's own
page (`/accounts/2fa/authenticate/`) serves it with `CodeAuthenticateForm` (settings MFA_FORMS) and
our template (templates/mfa/authenticate.html): the person may type an authenticator or recovery
code, use a security key, or press "Email me a code" / "Text me a code" (`CodeSendView`, which stands
on allauth's login stage: without a sign-in waiting for its second factor it sends the visitor to
the sign-in page) and type the code received.

A risky sign-in of a person without any factor (apps/security/risk_flow.py) comes here too: the page
then offers "Email me a code" to their verified address, and that code confirms the sign-in.
"""

from typing import Any

from allauth.account.internal.decorators import login_stage_required
from allauth.account.internal.flows.login import record_authentication
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.stages import AuthenticateStage
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views import View

from .context import current_tenant
from .otp import OtpError, code_ttl_minutes, destination_label, otp_code_send, otp_code_verify, otp_code_waiting
from .otp_models import OtpChannel, OtpFactor
from .otp_selectors import otp_factors_usable
from .risk_flow import email_step_up_pending

# These codes tell the person more than "incorrect" even when an authenticator code was possible too.
_SPECIFIC = ("otp_expired", "otp_attempts_exceeded")


def _has_typed_factor(user: Any) -> bool:
    """TOTP or recovery codes: a code typed may be one of those instead of an emailed/texted one."""
    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.WEBAUTHN).exists()


def sign_in_code_factors(user: Any, request: HttpRequest | None) -> tuple[list[OtpFactor], bool]:
    """The code factors offered at this sign-in's second step, and whether it is a risk step-up by
    email: then the verified address is offered (unsaved factor) when no email factor is enrolled."""
    factors = otp_factors_usable(user=user, tenant=current_tenant(request))
    step_up_email = email_step_up_pending(request, user)
    if step_up_email and not any(f.channel == OtpChannel.EMAIL for f in factors):
        factors.append(OtpFactor(user=user, channel=OtpChannel.EMAIL))
    return factors, step_up_email


class CodeAuthenticateForm(AuthenticateForm):
    """allauth's code form, also accepting the latest code sent by email or SMS."""

    otp_channel: str | None = None

    def clean_code(self) -> str:
        code = str(self.cleaned_data.get("code") or "").strip()
        tenant = current_tenant(context.request)
        typed = _has_typed_factor(self.user)
        otp_error = None
        factors, step_up_email = sign_in_code_factors(self.user, context.request)
        if factors and (not typed or otp_code_waiting(user=self.user)):
            try:
                self.otp_channel = otp_code_verify(
                    user=self.user, code=code, tenant=tenant, step_up_email=step_up_email
                )
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

    # What the challenge page (templates/mfa/authenticate.html) shows besides the code field.

    @cached_property
    def otp_factors(self) -> list[dict[str, str]]:
        factors, _ = sign_in_code_factors(self.user, context.request)
        return [
            {"channel": f.channel, "destination": destination_label(f, self.user), "label": f.get_channel_display()}
            for f in factors
        ]

    @cached_property
    def _kinds(self) -> set[str]:
        return set(Authenticator.objects.filter(user=self.user).values_list("type", flat=True))

    @property
    def has_security_key(self) -> bool:
        return Authenticator.Type.WEBAUTHN in self._kinds

    @property
    def has_typed_factor(self) -> bool:
        return bool(self._kinds - {Authenticator.Type.WEBAUTHN})

    @cached_property
    def step_up_email(self) -> bool:
        """A risky sign-in of a person without factors: the page says why it asks for a code."""
        return email_step_up_pending(context.request, self.user)

    @property
    def otp_minutes(self) -> int:
        return code_ttl_minutes()


@method_decorator(login_stage_required(stage=AuthenticateStage.key, redirect_urlname="account_login"), name="dispatch")
class CodeSendView(View):
    """POST channel=email|sms: send a sign-in code to the person waiting at the second-factor step."""

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request._login_stage.login.user  # type: ignore[attr-defined]
        try:
            sent = otp_code_send(
                user=user, channel=str(request.POST.get("channel", "")), tenant=current_tenant(request),
                step_up_email=email_step_up_pending(request, user),
            )  # fmt: skip
        except OtpError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, f"We sent a code to {sent.destination}. It expires in {code_ttl_minutes()} minutes."
            )
        return redirect("mfa_authenticate")
