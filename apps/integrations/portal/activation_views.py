"""Portal: the integrations the plan offers, and switching them on, configuring them and switching
them off. Tenant admins only. Secrets are never shown back: only masked, like “••••1234”."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from apps.catalogue.models import Integration
from apps.catalogue.selectors import integration_get
from apps.integrations.activations import (
    activation_needs_configuration,
    activation_secrets_masked,
    integration_activate,
    integration_catalogue_for_tenant,
    integration_configure,
    integration_deactivate,
    integration_offered,
)
from apps.integrations.models import IntegrationActivation
from apps.surfaces.portal import TenantPortalView

SETTING, SECRET = "setting_", "secret_"


class IntegrationSetupForm(forms.Form):
    """One field per setting and secret of the integration's schema, and its scopes."""

    def __init__(self, *args: Any, integration: Integration, masked: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in integration.fields:
            key, help_text = field["key"], field.get("help", "")
            if field.get("secret"):
                if masked.get(key):
                    help_text = f"Stored: {masked[key]}. Leave blank to keep it."
                widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
                self.fields[SECRET + key] = forms.CharField(
                    label=field["label"], required=False, help_text=help_text, widget=widget, strip=True
                )
            else:
                self.fields[SETTING + key] = forms.CharField(label=field["label"], required=False, help_text=help_text)
        self.fields["scopes"] = forms.MultipleChoiceField(
            choices=[(scope, scope) for scope in integration.scopes], required=False,
            widget=forms.CheckboxSelectMultiple, help_text="What the integration may do. Grant only what you need.",
        )  # fmt: skip

    def part(self, prefix: str) -> dict[str, str]:
        return {name[len(prefix) :]: value for name, value in self.cleaned_data.items() if name.startswith(prefix)}


def _page(request: HttpRequest, code: str) -> tuple[Integration, IntegrationActivation | None]:
    try:
        integration = integration_offered(code)
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from exc
    return integration, IntegrationActivation.objects.filter(integration_code=code).first()


def _status_label(integration: Integration, activation: IntegrationActivation | None) -> str:
    if activation is not None and activation.is_enabled:
        return "Enabled"
    if activation_needs_configuration(activation, integration):
        return "Needs configuration"
    return "Disabled" if activation is not None else "Not set up"


class IntegrationActivationListView(TenantPortalView):
    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = [
            {"integration": integration, "activation": activation, "offered": offered,
             "status": _status_label(integration, activation)}
            for integration, activation, offered in integration_catalogue_for_tenant()
        ]  # fmt: skip
        return render(request, "integrations/activation_list.html", {"rows": rows})


class IntegrationActivationDetailView(TenantPortalView):
    tenant_access = "admin"
    template_name = "integrations/activation_detail.html"

    def render_page(self, request: HttpRequest, integration: Any, activation: Any, form: Any, status: int = 200) -> Any:
        context = {"integration": integration, "activation": activation, "form": form,
                   "status_label": _status_label(integration, activation)}  # fmt: skip
        return render(request, self.template_name, context, status=status)

    def form_for(self, integration: Integration, activation: IntegrationActivation | None, data: Any = None) -> Any:
        masked = activation_secrets_masked(activation) if activation is not None else {}
        initial: dict[str, Any] = {"scopes": activation.scopes_granted if activation else list(integration.scopes)}
        if activation is not None:
            initial.update({SETTING + key: value for key, value in activation.configuration.items()})
        return IntegrationSetupForm(data, integration=integration, masked=masked, initial=initial)

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        integration, activation = _page(request, code)
        return self.render_page(request, integration, activation, self.form_for(integration, activation))


class IntegrationSaveView(IntegrationActivationDetailView):
    """POST of the set-up form: `activate` switches it on, `configure` only saves."""

    service = staticmethod(integration_activate)
    done = "{name} is enabled."

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        return HttpResponseRedirect(reverse("integration-activations:detail", args=[code]))

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        integration, activation = _page(request, code)
        form = self.form_for(integration, activation, request.POST)
        if form.is_valid():
            try:
                self.service(code=code, configuration=form.part(SETTING), secrets=form.part(SECRET),
                             scopes=form.cleaned_data["scopes"], acting_user=request.user)  # fmt: skip
            except ValidationError as exc:
                for errors in exc.message_dict.values():
                    form.add_error(None, errors)
            else:
                messages.success(request, self.done.format(name=integration.name))
                return HttpResponseRedirect(reverse("integration-activations:list"))
        return self.render_page(request, integration, activation, form, status=400)


class IntegrationConfigureView(IntegrationSaveView):
    service = staticmethod(integration_configure)
    done = "The settings of {name} were saved."


class IntegrationDeactivateView(TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        try:
            integration_deactivate(code=code, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            integration = integration_get(code)
            name = integration.name if integration is not None else code
            messages.success(request, f"{name} is disabled; its settings are kept.")
        return HttpResponseRedirect(reverse("integration-activations:list"))
