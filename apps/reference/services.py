"""Writes on the company record of a tenant (validated by country rules, audited)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.audit import writes
from apps.sysconfig.validation import validate_value

from .abr import abr_company_fields, abr_lookup_abn
from .models import DisplayNameSource, TaxIdVerification, TenantCompanyRecord

VALIDATED_FIELDS = {"tax_id": "tax_id", "phone": "phone", "postal_code": "postal_code"}
AUDITED_FIELDS = writes.Fields(
    "tax_id", "company_number", "phone", "postal_code", "legal_name", "abn_status", "gst_registered",
    "tax_id_verification", "display_name_source", "custom_display_name", "business_names", "entity_type",
    "company_size", "website", "address_line", "city", "region", parent="parent_id", industry="industry_id",
)  # fmt: skip
TENANT_PROFILE_FIELDS = ["name", "billing_email"]


def company_record_clean(*, country: str, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with tax id, phone and postal code normalised by the country's validation rules.

    Raises one ValidationError carrying every field's message, so forms can show them all.
    """
    cleaned, errors = dict(values), {}
    for field, kind in VALIDATED_FIELDS.items():
        if cleaned.get(field):
            try:
                cleaned[field] = validate_value(country, kind, cleaned[field])
            except ValidationError as exc:
                errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def company_parent_check(*, tenant: Any, parent: Any) -> None:
    """A parent company is another tenant, and following parents up from it never comes back here."""
    if parent is None:
        return
    if parent.pk == tenant.pk:
        raise ValidationError({"parent": "A company cannot be its own parent."}, code="parent_self")
    seen, current = {tenant.pk}, parent.pk
    while current is not None:  # one query per level; groups are a few levels deep
        if current in seen:
            raise ValidationError(
                {"parent": f"{parent.name} already belongs to {tenant.name}'s group; choose another parent."},
                code="parent_cycle",
            )
        seen.add(current)
        current = TenantCompanyRecord.objects.filter(tenant_id=current).values_list("parent_id", flat=True).first()


def company_display_name(record: TenantCompanyRecord) -> str:
    """The name the organisation goes by: its source is recorded (legal, a business name or custom)."""
    if record.display_name_source == DisplayNameSource.CUSTOM and not record.custom_display_name:
        raise ValidationError({"custom_display_name": "Enter the name to show."}, code="custom_name_missing")
    if record.display_name_source == DisplayNameSource.BUSINESS and not record.business_names:
        raise ValidationError({"display_name_source": "The company has no business name; choose another source."},
                              code="no_business_name")  # fmt: skip
    return record.display_name


@transaction.atomic
def company_record_update(*, tenant: Any, acting_user: Any, **values: Any) -> TenantCompanyRecord:
    """Create or change the tenant's company record; tax id, phone and postal code must suit its country.

    A changed tax id is unverified until checked again (`company_record_abr_refresh`, or a form that
    verified it and passes `tax_id_verification`)."""
    record = TenantCompanyRecord.objects.select_for_update().filter(tenant=tenant).first()
    record = record or TenantCompanyRecord(tenant=tenant)
    before = writes.snapshot(record, AUDITED_FIELDS) if record.pk else None
    cleaned = company_record_clean(country=tenant.country, values=values)
    if "parent" in cleaned:
        company_parent_check(tenant=tenant, parent=cleaned["parent"])
    if cleaned.get("tax_id", record.tax_id) != record.tax_id and "tax_id_verification" not in cleaned:
        cleaned["tax_id_verification"] = TaxIdVerification.UNVERIFIED
    for name, value in cleaned.items():
        setattr(record, name, value)
    company_display_name(record)  # the chosen source has a name (said per field, before the database would)
    record.updated_by = writes.history_user(acting_user)
    return writes.save_audited(record, action="company_record.changed", before=before, fields=AUDITED_FIELDS,
                               acting_user=acting_user, tenant=record.tenant)  # fmt: skip


@transaction.atomic
def company_profile_update(
    *, tenant: Any, acting_user: Any, billing_email: str | None = None, **values: Any
) -> TenantCompanyRecord:
    """The company profile as tenant admins and staff edit it: the record, and on the tenant its
    billing email and its name (the record's display name), each audited."""
    record = company_record_update(tenant=tenant, acting_user=acting_user, **values)
    changes = {"name": company_display_name(record) or tenant.name}
    if billing_email is not None:
        changes["billing_email"] = billing_email.strip().lower()
    if any(getattr(tenant, name) != value for name, value in changes.items()):
        writes.update(tenant, lock=True, changes=changes, action="tenant.profile_changed", acting_user=acting_user,
                      tenant=tenant)  # fmt: skip
        tenant.refresh_from_db()
    return record


@transaction.atomic
def company_record_abr_refresh(*, record: TenantCompanyRecord, acting_user: Any) -> TenantCompanyRecord:
    """Copy what the Australian Business Register says about the record's ABN onto the record."""
    if not record.tax_id:
        raise ValidationError("The company has no ABN to look up.", code="no_abn")
    data = abr_lookup_abn(record.tax_id)
    before = writes.snapshot(record, AUDITED_FIELDS)
    for name, value in abr_company_fields(data).items():
        setattr(record, name, value)
    if not record.company_number and data.get("Acn"):
        record.company_number = str(data["Acn"])
    record.abr_checked_at, record.updated_by = timezone.now(), writes.history_user(acting_user)
    record.tax_id_verification = TaxIdVerification.ABR
    return writes.save_audited(record, action="company_record.abr_lookup", before=before, fields=AUDITED_FIELDS,
                               acting_user=acting_user, tenant=record.tenant)  # fmt: skip
