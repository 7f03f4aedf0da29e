"""Portal: the organisation's domains (add a custom domain, prove ownership by DNS). Tenant admins only."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from apps.surfaces.portal import PortalActionView, TenantPortalView
from apps.tenancy.domains import (
    domain_add,
    domain_is_platform,
    domain_make_primary,
    domain_remove,
    domain_verify,
    verification_record_name,
)
from apps.tenancy.models import Domain, TlsStatus

from ..tls import domain_tls_check
from .forms import DomainAddForm

LIST_URL = "tenant-domains:list"


def tenant_domains(request: HttpRequest) -> QuerySet[Domain]:
    return Domain.objects.filter(tenant=request.tenant).order_by("-is_primary", "domain")  # type: ignore[attr-defined]


def domain_get_for_request(request: HttpRequest, pk: int) -> Domain:
    """The request tenant's domain; the same 404 for another tenant's domain and a missing one."""
    domain = tenant_domains(request).filter(pk=pk).first()
    if domain is None:
        raise Http404("No such domain.")
    return domain


def _rows(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"domain": d, "record_name": verification_record_name(d), "is_platform": domain_is_platform(d.domain)}
        for d in tenant_domains(request)
    ]


class DomainListView(TenantPortalView):
    tenant_access = "admin"
    template_name = "tenancy/domains/list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"rows": _rows(request), "form": DomainAddForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DomainAddForm(request.POST)
        if form.is_valid():
            try:
                tenant = request.tenant  # type: ignore[attr-defined]
                domain = domain_add(tenant=tenant, domain=form.cleaned_data["domain"], acting_user=request.user)
            except ValidationError as exc:
                form.add_error("domain", exc)
            else:
                messages.success(request, f"“{domain}” was added. Create its TXT record, then check it.")
                return HttpResponseRedirect(reverse(LIST_URL))
        return render(request, self.template_name, {"rows": _rows(request), "form": form}, status=400)


class DomainActionView(PortalActionView):
    """POST-only actions on one domain; errors come back as messages on the list."""

    tenant_access = "admin"

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Domain:
        return domain_get_for_request(request, kwargs["pk"])

    def success_url(self, obj: Any) -> str:
        return reverse(LIST_URL)


class DomainCheckView(DomainActionView):
    def perform(self, domain: Domain, data: dict[str, Any]) -> None:
        if domain_verify(domain=domain, acting_user=self.request.user):
            messages.success(self.request, f"“{domain}” is verified and now serves this organisation.")
        else:
            domain.refresh_from_db()
            messages.error(self.request, f"“{domain}” is not verified yet. {domain.last_check_error}")


class DomainTlsCheckView(DomainActionView):
    """Connect to the verified custom domain now and record its certificate (as the 6-hourly task does)."""

    def perform(self, domain: Domain, data: dict[str, Any]) -> None:
        if not domain.is_verified or domain_is_platform(domain.domain):
            messages.error(self.request, f"“{domain}” gets a certificate only once it is verified.")
            return
        domain = domain_tls_check(domain=domain, acting_user=self.request.user)
        level = messages.success if domain.tls_status == TlsStatus.ACTIVE else messages.error
        level(self.request, f"“{domain}”: {domain.get_tls_status_display().lower()}. {domain.tls_error}".strip())


class DomainMakePrimaryView(DomainActionView):
    def perform(self, domain: Domain, data: dict[str, Any]) -> None:
        domain_make_primary(domain=domain, acting_user=self.request.user)
        messages.success(self.request, f"“{domain}” is now the primary domain.")


class DomainRemoveView(DomainActionView):
    def perform(self, domain: Domain, data: dict[str, Any]) -> None:
        domain_remove(domain=domain, acting_user=self.request.user)
        messages.success(self.request, f"“{domain}” was removed; it no longer serves this organisation.")
