"""The staff Domain admin lives in tenancy (kernel); certificates are domains', so the action that checks
them is added here (as security adds "unlock" to the kernel's user admin)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django_tenants.utils import schema_context

from apps.tenancy.admin import DomainAdmin
from apps.tenancy.models import Domain

from .tls import domain_tls_check


@admin.action(description="Check the TLS certificate of the selected domains now", permissions=["change"])
def check_tls(modeladmin: DomainAdmin, request: HttpRequest, queryset: QuerySet[Domain]) -> None:
    with schema_context("public"):
        recorded = [domain_tls_check(domain=d, acting_user=request.user) for d in queryset.order_by("pk")]
    summary = ", ".join(f"{d.domain}: {d.get_tls_status_display()}" for d in recorded)
    modeladmin.message_user(request, f"Checked {len(recorded)} domain(s). {summary}", messages.INFO)


DomainAdmin.actions = [*DomainAdmin.actions, check_tls]
