"""Portal: the person turns sign-in codes by email or SMS on and off on their account page.

Which channels are offered is the tenant's security policy (`allowed_second_factors`). Email codes
go to the account's verified address; SMS needs a number confirmed with a code texted to it.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView

from apps.security.otp import (
    OtpError,
    code_ttl_minutes,
    otp_email_enable,
    otp_factor_disable,
    otp_sms_confirm,
    otp_sms_start,
)
from apps.security.otp_models import OtpChannel, OtpFactor
from apps.surfaces.portal import TenantPortalMixin, TenantPortalView


def _who(request: HttpRequest) -> tuple[Any, Any]:
    """The signed-in person (the surface base let only an active member through) and the tenant."""
    return request.user, getattr(request, "tenant", None)


def _account() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("account:index") + "#mfa")


class PhoneForm(forms.Form):
    phone = forms.CharField(
        max_length=32, label="Mobile number", help_text="International format, with the country code: +61 412 345 678.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )  # fmt: skip


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label="Code",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class EmailCodesEnableView(TenantPortalView):
    tenant_access = "member"

    def post(self, request: HttpRequest) -> HttpResponse:
        user, tenant = _who(request)
        try:
            otp_email_enable(user=user, acting_user=user, tenant=tenant)
        except OtpError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Sign-in codes by email are on: at sign-in, choose “Email me a code”.")
        return _account()


class SmsCodesStartView(TenantPortalMixin, FormView):
    tenant_access = "member"
    template_name = "account/portal/otp_sms_start.html"
    form_class = PhoneForm

    def form_valid(self, form: PhoneForm) -> HttpResponse:
        request = self.request
        user, tenant = _who(request)
        try:
            sent = otp_sms_start(user=user, phone=form.cleaned_data["phone"], acting_user=user, tenant=tenant)
        except OtpError as exc:
            form.add_error("phone", exc.message)
            return self.form_invalid(form)
        messages.success(
            request, f"We texted a code to {sent.destination}. It expires in {code_ttl_minutes()} minutes."
        )
        return HttpResponseRedirect(reverse("account:otp_sms_confirm"))


class SmsCodesConfirmView(TenantPortalMixin, FormView):
    tenant_access = "member"
    template_name = "account/portal/otp_sms_confirm.html"
    form_class = CodeForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, _ = _who(self.request)
        context["pending"] = OtpFactor.objects.filter(
            user=user, channel=OtpChannel.SMS, confirmed_at__isnull=True
        ).first()
        return context

    def form_valid(self, form: CodeForm) -> HttpResponse:
        request = self.request
        user, tenant = _who(request)
        try:
            otp_sms_confirm(user=user, code=form.cleaned_data["code"], acting_user=user, tenant=tenant)
        except OtpError as exc:
            form.add_error("code", exc.message)
            return self.form_invalid(form)
        messages.success(request, "Your number is confirmed: at sign-in, choose “Text me a code”.")
        return _account()


class CodesDisableView(TenantPortalView):
    tenant_access = "member"

    def post(self, request: HttpRequest, channel: str) -> HttpResponse:
        if channel not in OtpChannel.values:
            return _account()
        user, tenant = _who(request)
        try:
            removed = otp_factor_disable(user=user, channel=channel, acting_user=user, tenant=tenant)
        except OtpError as exc:
            messages.error(request, exc.message)
        else:
            if removed:
                messages.success(request, f"{OtpChannel(channel).label}: turned off.")
        return _account()
