"""Writes on the company record of a tenant (validated by country rules, audited)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.audit import writes
from apps.sysconfig.validation import validate_value

from .abr import abr_company_fields, abr_lookup_abn
from .models import TenantCompanyRecord

VALIDATED_FIELDS = {"tax_id": "tax_id", "phone": "phone", "postal_code": "postal_code"}
AUDITED_FIELDS = ["tax_id", "company_number", "phone", "postal_code", "legal_name", "abn_status", "gst_registered"]


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


@transaction.atomic
def company_record_update(*, tenant: Any, acting_user: Any, **values: Any) -> TenantCompanyRecord:
    """Create or change the tenant's company record; tax id, phone and postal code must suit its country."""
    record = TenantCompanyRecord.objects.select_for_update().filter(tenant=tenant).first()
    record = record or TenantCompanyRecord(tenant=tenant)
    before = writes.snapshot(record, AUDITED_FIELDS) if record.pk else None
    for name, value in company_record_clean(country=tenant.country, values=values).items():
        setattr(record, name, value)
    record.updated_by = writes.history_user(acting_user)
    return writes.save_audited(record, action="company_record.changed", before=before, fields=AUDITED_FIELDS,
                               acting_user=acting_user, tenant=record.tenant)  # fmt: skip


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
    return writes.save_audited(record, action="company_record.abr_lookup", before=before, fields=AUDITED_FIELDS,
                               acting_user=acting_user, tenant=record.tenant)  # fmt: skip
