"""Platform-domain pages: signup's landing, the onboarding steps, the live subdomain check, the
provisioning progress and the hand-off into the new tenant's portal.

Signed-in people only (allauth's mandatory email verification means signed in = verified); each page
reads the person's own onboarding, so another person's attempt is simply not found (404).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts.handoff import handoff_issue, handoff_url
from apps.accounts.models import Membership
from apps.reference.models import DisplayNameSource
from apps.tenancy.models import ProvisioningJob, Tenant

from .business_numbers import RegisterUnavailable, business_number_check, business_number_label
from .forms import BusinessForm, DetailsForm
from .models import Onboarding
from .services import (
    onboarding_business_save,
    onboarding_complete,
    onboarding_details_save,
    onboarding_start,
    onboarding_submit,
    plans_public,
    subdomain_availability,
)


def platform_home(request: HttpRequest) -> HttpResponse:
    """The platform domain's root: staff (and visitors, to sign in) go to the admin; a signed-in
    customer without staff rights goes on with their onboarding."""
    if request.user.is_authenticated and not request.user.is_staff:
        return redirect("onboarding:start")
    return redirect("/admin/")


def _add_errors(form: Any, exc: ValidationError, field: str) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, exc)


class OnboardingMixin(LoginRequiredMixin):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and request.user.is_staff:
            messages.info(request, "Staff accounts do not create organisations here; use the admin.")
            return redirect("/admin/")
        return super().dispatch(request, *args, **kwargs)

    def onboarding(self) -> Onboarding:
        return onboarding_start(user=self.request.user)  # type: ignore[attr-defined]


class StartView(OnboardingMixin, View):
    """/onboarding/: the step where the person's attempt stands."""

    def get(self, request: HttpRequest) -> HttpResponse:
        onboarding = self.onboarding()
        if onboarding.status != Onboarding.Status.DRAFT:
            return redirect("onboarding:progress", pk=onboarding.pk)
        if not onboarding.company.get("register"):
            return redirect("onboarding:business")
        return redirect("onboarding:details")


class BusinessView(OnboardingMixin, View):
    """Step 1: country and business number (ABN: checksum, then the register)."""

    template_name = "onboarding/business.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        onboarding = self.onboarding()
        if onboarding.status != Onboarding.Status.DRAFT:
            return redirect("onboarding:progress", pk=onboarding.pk)
        register = onboarding.company.get("register") or {}
        form = BusinessForm(initial={"country": onboarding.country or "AU", "tax_id": onboarding.tax_id,
                                     "legal_name": register.get("legal_name", "")})  # fmt: skip
        return self.render(form, onboarding)

    def render(
        self, form: BusinessForm, onboarding: Onboarding, *, unreachable: bool = False, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "onboarding": onboarding, "unreachable": unreachable, "step": 1}
        return render(self.request, self.template_name, context, status=status)  # type: ignore[attr-defined]

    def post(self, request: HttpRequest) -> HttpResponse:
        onboarding = self.onboarding()
        form = BusinessForm(request.POST)
        if not form.is_valid():
            return self.render(form, onboarding, status=400)
        data = form.cleaned_data
        try:
            number = business_number_check(country=data["country"], number=data["tax_id"],
                                           accept_unverified=data["accept_unverified"])  # fmt: skip
            onboarding_business_save(onboarding=onboarding, country=data["country"], number=number,
                                     legal_name=data["legal_name"])  # fmt: skip
        except RegisterUnavailable as exc:
            form.add_error("tax_id", str(exc))
            return self.render(form, onboarding, unreachable=True, status=400)
        except ValidationError as exc:
            _add_errors(form, exc, "tax_id")
            return self.render(form, onboarding, status=400)
        return redirect("onboarding:details")


class DetailsView(OnboardingMixin, View):
    """Step 2: display name, industry and size, billing, subdomain and plan; submitting creates the tenant."""

    template_name = "onboarding/details.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        onboarding = self.onboarding()
        if onboarding.status != Onboarding.Status.DRAFT:
            return redirect("onboarding:progress", pk=onboarding.pk)
        if not onboarding.company.get("register"):
            return redirect("onboarding:business")
        saved = onboarding.company.get("details") or {}
        initial = {"billing_email": request.user.email, "display_name_source": DisplayNameSource.LEGAL, **saved}  # type: ignore[union-attr]
        return self.render(self.form(onboarding, initial=initial), onboarding)

    def form(self, onboarding: Onboarding, **kwargs: Any) -> DetailsForm:
        names = (onboarding.company.get("register") or {}).get("business_names") or []
        return DetailsForm(business_names=names, **kwargs)

    def render(self, form: DetailsForm, onboarding: Onboarding, status: int = 200) -> HttpResponse:
        register = onboarding.company.get("register") or {}
        context = {"form": form, "onboarding": onboarding, "register": register, "plans": plans_public(),
                   "tax_label": business_number_label(onboarding.country), "step": 2}  # fmt: skip
        return render(self.request, self.template_name, context, status=status)  # type: ignore[attr-defined]

    def post(self, request: HttpRequest) -> HttpResponse:
        onboarding = self.onboarding()
        if onboarding.status != Onboarding.Status.DRAFT:  # a second click of "Create": the same attempt
            return redirect("onboarding:progress", pk=onboarding.pk)
        form = self.form(onboarding, data=request.POST)
        if not form.is_valid():
            return self.render(form, onboarding, status=400)
        try:
            onboarding = onboarding_details_save(onboarding=onboarding, details=form.details())
            onboarding = onboarding_submit(onboarding=onboarding)
        except ValidationError as exc:
            _add_errors(form, exc, "slug")
            return self.render(form, onboarding, status=400)
        return redirect("onboarding:progress", pk=onboarding.pk)


class SubdomainCheckView(OnboardingMixin, View):
    """GET ?slug=… → a fragment: available / taken / reserved / invalid (htmx, as the person types)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        kind, message = subdomain_availability(request.GET.get("slug", ""))
        return render(request, "onboarding/_subdomain.html", {"kind": kind, "message": message})


def _own_onboarding(request: HttpRequest, pk: int) -> Onboarding:
    onboarding = Onboarding.objects.filter(pk=pk, user=request.user.pk).select_related("tenant", "job").first()
    if onboarding is None or onboarding.tenant is None:
        raise Http404("No such organisation request.")
    return onboarding


class ProgressView(OnboardingMixin, View):
    """The provisioning job's steps; htmx polls the fragment until the job ends, then goes in."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        onboarding = _own_onboarding(request, pk)
        job = onboarding.job
        steps = list(job.steps.order_by("position", "name")) if job else []
        done = job is not None and job.status == ProvisioningJob.Status.SUCCEEDED
        if done:
            onboarding = onboarding_complete(onboarding=onboarding)
            if request.htmx:  # type: ignore[attr-defined]
                return HttpResponseClientRedirect(reverse("onboarding:enter", args=[onboarding.pk]))
        context = {"onboarding": onboarding, "job": job, "steps": steps, "done": done,
                   "failed": job is not None and job.status == ProvisioningJob.Status.FAILED}  # fmt: skip
        template = "onboarding/_progress.html" if request.htmx else "onboarding/progress.html"  # type: ignore[attr-defined]
        return render(request, template, context)


class EnterView(OnboardingMixin, View):
    """A one-time hand-off into the new tenant's portal (sessions are per host)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        onboarding = _own_onboarding(request, pk)
        tenant: Tenant = onboarding.tenant  # type: ignore[assignment]
        admin = Membership.objects.filter(user=request.user.pk, tenant=tenant, status=Membership.Status.ACTIVE).exists()
        if tenant.status != Tenant.Status.ACTIVE or not admin:
            messages.info(request, f"{tenant.name} is not ready yet.")
            return redirect("onboarding:progress", pk=onboarding.pk)
        token = handoff_issue(user=request.user, tenant=tenant, purpose="signup", next_path="/manage/")
        return HttpResponseRedirect(handoff_url(token=token, tenant=tenant))
