"""Staff console actions on tenants (wired into TenantAdmin by apps/tenancy/admin.py).

Each action shows a confirmation page (with a reason or plan field) before calling the lifecycle
service once per selected tenant; refusals are reported per tenant and change nothing for it.
`tenant_admin_urls(model_admin)` adds the "new tenant" form, its progress page and the JSON status
endpoint that page polls.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.core import hooks

from .lifecycle import (
    provisioning_job_retry,
    tenant_archive,
    tenant_delete,
    tenant_plan_change,
    tenant_reactivate,
    tenant_request,
    tenant_suspend,
)
from .models import IsolationLevel, Plan, ProvisioningJob, Tenant


class ConfirmForm(forms.Form):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=255, help_text="Kept in the audit log and shown to staff.")


class PlanForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.filter(is_active=True), empty_label=None)


Apply = Callable[[Tenant, dict[str, Any], Any], Any]


def _apply_each(
    request: HttpRequest, queryset: QuerySet[Tenant], apply: Apply, data: dict[str, Any], verb: str
) -> None:
    done = 0
    for tenant in queryset:
        try:
            apply(tenant, data, request.user)
            done += 1
        except ValidationError as exc:
            messages.error(request, f"{tenant.name}: {' '.join(exc.messages)}")
    if done:
        messages.success(request, f"{verb} {done} tenant(s).")


def _confirm(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Tenant], *, action: str, verb: str,
             form_class: type[forms.Form], apply: Apply, warning: str = "") -> HttpResponse | None:  # fmt: skip
    form = form_class(request.POST if "confirm" in request.POST else None)
    if "confirm" in request.POST and form.is_valid():
        _apply_each(request, queryset, apply, form.cleaned_data, verb)
        return None  # back to the change list
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"{action.replace('_', ' ').capitalize()}: are you sure?",
        "opts": modeladmin.model._meta, "queryset": queryset, "form": form, "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "warning": warning, "verb": verb,
    }  # fmt: skip
    return TemplateResponse(request, "admin/tenancy/confirm_action.html", context)


@admin.action(description="Suspend selected tenants", permissions=["change"])
def suspend_tenants(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse | None:
    def apply(tenant: Tenant, data: dict[str, Any], user: Any) -> Any:
        return tenant_suspend(tenant=tenant, acting_user=user, reason=data["reason"])

    warning = "Their members lose access to the portal and API until reactivated."
    return _confirm(modeladmin, request, queryset, action="suspend_tenants", verb="Suspended",
                    form_class=ReasonForm, apply=apply, warning=warning)  # fmt: skip


@admin.action(description="Reactivate selected tenants", permissions=["change"])
def reactivate_tenants(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse | None:
    def apply(tenant: Tenant, data: dict[str, Any], user: Any) -> Any:
        return tenant_reactivate(tenant=tenant, acting_user=user)

    return _confirm(modeladmin, request, queryset, action="reactivate_tenants", verb="Reactivated",
                    form_class=ConfirmForm, apply=apply)  # fmt: skip


@admin.action(description="Archive selected tenants (read-only, deletable after the grace period)",
              permissions=["change"])  # fmt: skip
def archive_tenants(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse | None:
    def apply(tenant: Tenant, data: dict[str, Any], user: Any) -> Any:
        return tenant_archive(tenant=tenant, acting_user=user, reason=data["reason"])

    warning = "Archived tenants become read-only; they can be deleted once the grace period has passed."
    return _confirm(modeladmin, request, queryset, action="archive_tenants", verb="Archived",
                    form_class=ReasonForm, apply=apply, warning=warning)  # fmt: skip


@admin.action(description="Delete selected archived tenants (drops their data)", permissions=["change"])
def delete_tenants(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse | None:
    if not request.user.has_perm("tenancy.delete_tenant"):
        raise PermissionDenied

    def apply(tenant: Tenant, data: dict[str, Any], user: Any) -> Any:
        return tenant_delete(tenant=tenant, acting_user=user)

    warning = "Their schemas and all their organisation data are dropped. This cannot be undone."
    return _confirm(modeladmin, request, queryset, action="delete_tenants", verb="Deleted",
                    form_class=ConfirmForm, apply=apply, warning=warning)  # fmt: skip


def _retry(tenant: Tenant, data: dict[str, Any], user: Any) -> Any:
    job = tenant.provisioning_jobs.filter(status=ProvisioningJob.Status.FAILED).first()
    if job is None:
        raise ValidationError("It has no failed provisioning job to retry.", code="invalid_transition")
    return provisioning_job_retry(job=job, acting_user=user)


@admin.action(description="Retry provisioning of selected failed tenants", permissions=["change"])
def retry_provisioning(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse | None:
    return _confirm(modeladmin, request, queryset, action="retry_provisioning", verb="Retried provisioning of",
                    form_class=ConfirmForm, apply=_retry)  # fmt: skip


def plan_change(*, tenant: Tenant, plan: Plan, acting_user: Any) -> Any:
    """The one plan-change path. Hook `tenancy.plan_change(*, tenant, plan, acting_user)`: billing answers
    with the subscription change of the portal and API (proration, history, audit; the tenant's plan and
    limits follow the subscription); with no answer, a plain plan change."""
    change = hooks.one("tenancy.plan_change", default=tenant_plan_change)
    return change(tenant=tenant, plan=plan, acting_user=acting_user)


@admin.action(description="Change the plan of selected tenants", permissions=["change"])
def change_plan(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse | None:
    def apply(tenant: Tenant, data: dict[str, Any], user: Any) -> Any:
        return plan_change(tenant=tenant, plan=data["plan"], acting_user=user)

    warning = ("Their subscriptions change as in the billing portal: by the plan's proration rule now (a "
               "prorated invoice when it costs more) or at the renewal; their limits follow the plan.")  # fmt: skip
    return _confirm(modeladmin, request, queryset, action="change_plan", verb="Changed the plan of",
                    form_class=PlanForm, apply=apply, warning=warning)  # fmt: skip


TENANT_ACTIONS = [suspend_tenants, reactivate_tenants, archive_tenants, delete_tenants, retry_provisioning,
                  change_plan]  # fmt: skip


# --- New tenant form, progress page, status endpoint ------------------------------------------------


class TenantRequestForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.CharField(max_length=50, help_text="Its address becomes <slug>.<platform domain>.")
    plan = forms.ModelChoiceField(queryset=Plan.objects.filter(is_active=True), required=False)
    admin_email = forms.EmailField(required=False, help_text="Invited as the first tenant admin.")
    billing_email = forms.EmailField(required=False)
    country = forms.CharField(max_length=2, required=False, help_text="ISO 3166-1 alpha-2, e.g. AU.")
    time_zone = forms.CharField(max_length=64, initial="UTC")
    isolation_level = forms.ChoiceField(choices=IsolationLevel.choices, initial=IsolationLevel.SCHEMA)

    def add_service_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error("isolation_level" if exc.code == "isolation_not_available" else None, exc)


def _check(request: HttpRequest, model_admin: Any, permission: str) -> None:
    allowed = getattr(model_admin, f"has_{permission}_permission")(request)
    if not allowed:
        raise PermissionDenied


def tenant_request_view(request: HttpRequest, model_admin: Any) -> HttpResponse:
    _check(request, model_admin, "add")
    form = TenantRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = tenant_request(**form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            return redirect(reverse("admin:tenancy_tenant_job_progress", args=[job.pk]))
    context = {**model_admin.admin_site.each_context(request), "title": "New tenant", "form": form,
               "opts": model_admin.model._meta}  # fmt: skip
    return TemplateResponse(request, "admin/tenancy/tenant_request.html", context)


def job_status(job: ProvisioningJob) -> dict[str, Any]:
    steps = [{"name": s.name, "status": s.status, "duration_s": s.duration_s, "error": s.error}
             for s in job.steps.all()]  # fmt: skip
    return {"job": job.pk, "status": job.status, "tenant_status": job.tenant.status, "error": job.error,
            "attempts": job.attempts, "steps": steps}  # fmt: skip


def _job(job_id: int) -> ProvisioningJob:
    return get_object_or_404(ProvisioningJob.objects.select_related("tenant").prefetch_related("steps"), pk=job_id)


def job_progress_view(request: HttpRequest, model_admin: Any, job_id: int) -> HttpResponse:
    _check(request, model_admin, "view")
    job = _job(job_id)
    context = {
        **model_admin.admin_site.each_context(request), "title": f"Provisioning {job.tenant.name}",
        "job": job, "status": job_status(job), "opts": model_admin.model._meta,
        "status_url": reverse("admin:tenancy_tenant_job_status", args=[job.pk]),
        "tenant_url": reverse("admin:tenancy_tenant_change", args=[job.tenant_id]),
    }  # fmt: skip
    return TemplateResponse(request, "admin/tenancy/job_progress.html", context)


def job_status_view(request: HttpRequest, model_admin: Any, job_id: int) -> JsonResponse:
    _check(request, model_admin, "view")
    return JsonResponse(job_status(_job(job_id)))


def tenant_admin_urls(model_admin: Any) -> list[Any]:
    """Extra admin URLs for TenantAdmin.get_urls(); put them before the default ones."""
    wrap = model_admin.admin_site.admin_view
    return [
        path("request/", wrap(lambda r: tenant_request_view(r, model_admin)), name="tenancy_tenant_request"),
        path("jobs/<int:job_id>/progress/", wrap(lambda r, job_id: job_progress_view(r, model_admin, job_id)),
             name="tenancy_tenant_job_progress"),
        path("jobs/<int:job_id>/status/", wrap(lambda r, job_id: job_status_view(r, model_admin, job_id)),
             name="tenancy_tenant_job_status"),
    ]  # fmt: skip
