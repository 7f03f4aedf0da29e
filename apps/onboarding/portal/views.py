"""Portal: the company profile (/manage/company/). Members read it, tenant admins edit it."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from apps.accounts.access import is_tenant_admin
from apps.reference.models import TenantCompanyRecord
from apps.reference.services import company_profile_update
from apps.surfaces.portal import TenantPortalView

from ..forms import CompanyProfileForm

EDITABLE = ["display_name_source", "custom_display_name", "industry", "company_size", "website", "phone",
            "address_line", "city", "region", "postal_code"]  # fmt: skip


def company_record_for(tenant: Any) -> TenantCompanyRecord:
    """The tenant's record (unsaved and empty when it has none yet), with what the page shows."""
    record = (TenantCompanyRecord.objects.select_related("industry", "parent", "customer_tier")
              .filter(tenant=tenant).first())  # fmt: skip
    return record or TenantCompanyRecord(tenant=tenant)


class CompanyProfileView(TenantPortalView):
    tenant_access = "member_read_admin_write"
    template_name = "onboarding/company_profile.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        tenant = request.tenant  # type: ignore[attr-defined]
        record = company_record_for(tenant)
        initial = {name: getattr(record, name) for name in EDITABLE} | {"billing_email": tenant.billing_email}
        return self.render(CompanyProfileForm(initial=initial), record)

    def render(self, form: CompanyProfileForm, record: TenantCompanyRecord, status: int = 200) -> HttpResponse:
        context = {"form": form, "record": record, "can_edit": is_tenant_admin(self.request)}
        return render(self.request, self.template_name, context, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        tenant = request.tenant  # type: ignore[attr-defined]
        record = company_record_for(tenant)
        form = CompanyProfileForm(request.POST)
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in EDITABLE}
            try:
                company_profile_update(tenant=tenant, acting_user=request.user,
                                       billing_email=form.cleaned_data["billing_email"], **values)  # fmt: skip
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, "The company profile was saved.")
                return HttpResponseRedirect(reverse("company:profile"))
        return self.render(form, record, status=400)
