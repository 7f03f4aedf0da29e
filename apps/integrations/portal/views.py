"""Portal: the organisation's integrator API keys. Tenant admins only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import ListView

from apps.integrations.models import ApiKey
from apps.integrations.selectors import api_key_get, api_keys_list
from apps.integrations.services import api_key_create, api_key_revoke
from apps.surfaces.portal import TenantPortalMixin, TenantPortalView

from .forms import ApiKeyCreateForm


def _form_errors_from(form: ApiKeyCreateForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class ApiKeyListView(TenantPortalMixin, ListView):
    tenant_access = "admin"
    template_name = "integrations/api_key_list.html"
    context_object_name = "api_keys"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[ApiKey]:
        return api_keys_list()


class ApiKeyCreateView(TenantPortalView):
    tenant_access = "admin"
    template_name = "integrations/api_key_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": ApiKeyCreateForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ApiKeyCreateForm(request.POST)
        if form.is_valid():
            try:
                api_key, raw = api_key_create(
                    name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
                    expires_at=form.expires_at(), acting_user=request.user,
                )  # fmt: skip
            except ValidationError as exc:
                _form_errors_from(form, exc)
            else:
                # Rendered, not redirected: the secret is never stored, so this page is its only showing.
                response = render(request, "integrations/api_key_created.html", {"api_key": api_key, "secret": raw})
                response["Cache-Control"] = "no-store"
                return response
        return render(request, self.template_name, {"form": form}, status=400)


class ApiKeyRevokeView(TenantPortalView):
    tenant_access = "admin"
    template_name = "integrations/api_key_revoke.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(request, self.template_name, {"api_key": api_key_get(pk=pk)})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        api_key = api_key_get(pk=pk)
        try:
            api_key_revoke(api_key=api_key, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"The API key “{api_key.name}” was revoked; it no longer works.")
        return HttpResponseRedirect(reverse("api-keys:list"))
