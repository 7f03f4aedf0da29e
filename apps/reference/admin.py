"""Staff console for reference data (history kept), the ABR lookup cache and tenants' company records.

Countries: billing admins and super admins write (tax rates billing depends on). Languages, industries
and tiers: super admins. Company records: super admins and billing admins, through the services
(tax id, phone and postal code checked against the tenant's country); "Look up ABN" fills the record
from the Australian Business Register.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts.staff_roles import is_super_admin
from apps.core.admin_mixins import ReadOnlyAdminMixin

from .abr import AbrError
from .models import AbrLookupCache, Country, CustomerTier, Industry, Language, TenantCompanyRecord
from .services import company_parent_check, company_profile_update, company_record_abr_refresh, company_record_clean


@admin.register(Country)
class CountryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "currency_code", "currency_symbol", "tax_name", "tax_rate", "tax_inclusive",
                    "tax_number_label", "company_validation_provider", "is_active"]  # fmt: skip
    list_filter = ["is_active", "tax_inclusive", "company_validation_provider", "currency_code"]
    search_fields = ["code", "code_alpha3", "name", "currency_code", "currency_name"]
    ordering = ["name"]
    show_full_result_count = False


class SuperAdminWritesMixin:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_super_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_super_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_super_admin(request.user)


@admin.register(Language)
class LanguageAdmin(SuperAdminWritesMixin, SimpleHistoryAdmin):
    list_display = ["code", "code_alpha3", "name", "native_name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "code_alpha3", "name", "native_name"]
    show_full_result_count = False


@admin.register(Industry)
class IndustryAdmin(SuperAdminWritesMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


@admin.register(CustomerTier)
class CustomerTierAdmin(SuperAdminWritesMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "support_priority", "sort_order", "is_active"]
    list_filter = ["is_active", "support_priority"]
    search_fields = ["code", "name"]


@admin.register(AbrLookupCache)
class AbrLookupCacheAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["search_type", "search_value", "fetched_at", "expires_at"]
    list_filter = ["search_type"]
    search_fields = ["search_value"]
    date_hierarchy = "fetched_at"
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_super_admin(request.user)  # forcing a refetch


COMPANY_FIELDS = ["tenant", "tax_id", "company_number", "phone", "address_line", "city", "region", "postal_code",
                  "industry", "company_size", "website", "customer_tier", "custom_display_name", "display_name_source",
                  "parent"]  # fmt: skip


class CompanyRecordForm(forms.ModelForm):
    class Meta:
        model = TenantCompanyRecord
        fields = COMPANY_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        tenant = cleaned.get("tenant") or getattr(self.instance, "tenant", None)
        if tenant is not None:
            try:
                cleaned.update(company_record_clean(country=tenant.country, values=cleaned))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
            try:
                company_parent_check(tenant=tenant, parent=cleaned.get("parent"))
            except ValidationError as exc:
                self.add_error("parent", exc.message_dict["parent"])
        return cleaned


@admin.action(description="Look up ABN", permissions=["change"])
def look_up_abn(modeladmin: Any, request: HttpRequest, queryset: QuerySet[TenantCompanyRecord]) -> None:
    for record in queryset.select_related("tenant"):
        try:
            company_record_abr_refresh(record=record, acting_user=request.user)
        except (ValidationError, AbrError) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, f"{record.tenant.name}: {text}", level=messages.ERROR)
        else:
            modeladmin.message_user(request, f"{record.tenant.name}: {record.legal_name} ({record.abn_status}).")


@admin.register(TenantCompanyRecord)
class TenantCompanyRecordAdmin(SimpleHistoryAdmin):
    form = CompanyRecordForm
    actions = [look_up_abn]
    list_display = ["tenant", "tax_id", "tax_id_verification", "legal_name", "abn_status", "entity_type",
                    "gst_registered", "parent", "abr_checked_at"]  # fmt: skip
    list_filter = ["abn_status", "tax_id_verification", "gst_registered", "display_name_source", "company_size",
                   "customer_tier", "industry"]  # fmt: skip
    search_fields = ["tenant__name", "tenant__slug", "tax_id", "legal_name"]
    list_select_related = ["tenant"]
    autocomplete_fields = ["tenant", "parent"]
    readonly_fields = [
        "tax_id_verification", "legal_name", "business_names", "abn_status", "abn_status_from", "entity_type",
        "gst_registered", "gst_registered_from", "abr_checked_at", "updated_at", "updated_by",
    ]  # fmt: skip
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_super_admin(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.readonly_fields, "tenant"] if obj else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: TenantCompanyRecord, form: Any, change: bool) -> None:
        values = {name: getattr(obj, name) for name in COMPANY_FIELDS if name != "tenant"}
        # The tenant's name follows the display name (company_profile_update), as in the portal.
        saved = company_profile_update(tenant=obj.tenant, acting_user=request.user, **values)
        obj.pk = saved.pk
