"""The business number of a company, checked for its country.

- Australia: the ABN checksum (python-stdnum), then the Australian Business Register through the
  90-day cache (`apps.reference.abr`): the register fills legal name, business names, entity type,
  ABN status and GST registration. A number the register does not know, or a cancelled ABN, is
  refused. When the register cannot be reached the number may be accepted unverified, by choice.
- A country with a `tax_id` validation rule (apps.sysconfig, e.g. NZ IRD, GB VAT, US EIN): that rule.
- Otherwise python-stdnum's VAT, TIN or company-number module for the country, when it has one.
- Otherwise free text, marked unverified.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum.au import abn as stdnum_abn
from stdnum.util import get_cc_module

from apps.reference.abr import AbrNotFound, AbrUnavailable, abr_company_fields, abr_lookup_abn
from apps.reference.models import TaxIdVerification
from apps.sysconfig.models import ValidationRule
from apps.sysconfig.validation import validate_value

# python-stdnum module names tried in order for a country without a rule (a VAT number first).
STDNUM_KINDS = ("vat", "tin", "cn", "businessid", "brn", "bn", "orgnr", "nit", "rut", "cuit", "cnpj")
MAX_LENGTH = 30


class RegisterUnavailable(Exception):
    """The number looks right but the register could not be asked; `tax_id` is the normalised number."""

    def __init__(self, message: str, *, tax_id: str) -> None:
        super().__init__(message)
        self.tax_id = tax_id


@dataclass
class BusinessNumber:
    tax_id: str
    verification: str
    label: str = "Business number"
    register: dict[str, Any] = field(default_factory=dict)  # what the register says (JSON-safe)


def business_number_label(country: str) -> str:
    country = (country or "").upper()
    if country == "AU":
        return "ABN"
    rule = ValidationRule.objects.filter(country_code=country, kind="tax_id", is_active=True).first()
    return rule.name if rule is not None else "Business or tax number"


def business_number_check(*, country: str, number: str, accept_unverified: bool = False) -> BusinessNumber:
    """The normalised number and how it was verified; ValidationError (with a code) when refused."""
    country, number = (country or "").strip().upper(), " ".join((number or "").split())
    if not number:
        raise ValidationError("Enter the company's business number.", code="required")
    if country == "AU":
        return _abn(number, accept_unverified)
    if ValidationRule.objects.filter(country_code=country, kind="tax_id", is_active=True).exists():
        value = validate_value(country, "tax_id", number)
        return BusinessNumber(value, TaxIdVerification.CHECKSUM, business_number_label(country))
    module = _stdnum_module(country)
    if module is not None:
        name = str(getattr(module, "__doc__", "") or "").split("(")[0].split("\n")[0].strip() or "business number"
        if not module.is_valid(number):
            raise ValidationError(f"Enter a valid {name}.", code="invalid_tax_id")
        return BusinessNumber(str(module.compact(number)), TaxIdVerification.CHECKSUM, name)
    if len(number) > MAX_LENGTH:
        raise ValidationError(f"Enter at most {MAX_LENGTH} characters.", code="invalid_tax_id")
    return BusinessNumber(number, TaxIdVerification.UNVERIFIED)


def _stdnum_module(country: str) -> Any:
    if len(country) != 2 or not country.isalpha():
        return None
    for kind in STDNUM_KINDS:
        module = get_cc_module(country.lower(), kind)
        if module is not None and hasattr(module, "is_valid"):
            return module
    return None


def _abn(number: str, accept_unverified: bool) -> BusinessNumber:
    if not stdnum_abn.is_valid(number):
        raise ValidationError(
            "Enter a valid ABN: 11 digits with a correct checksum, e.g. 51 824 753 556.", code="invalid_abn"
        )
    tax_id = stdnum_abn.compact(number)
    try:
        data = abr_lookup_abn(tax_id)
    except AbrNotFound:
        raise ValidationError(
            f"The Australian Business Register has no business with ABN {stdnum_abn.format(tax_id)}.",
            code="abn_not_found",
        ) from None
    except AbrUnavailable:
        if accept_unverified:
            return BusinessNumber(tax_id, TaxIdVerification.UNVERIFIED, "ABN")
        raise RegisterUnavailable(
            "The Australian Business Register cannot be reached just now. Try again later, or continue "
            "without verification: enter the legal name yourself and the ABN is recorded as unverified.",
            tax_id=tax_id,
        ) from None
    fields = abr_company_fields(data)
    if str(fields["abn_status"]).lower() != "active":
        since = fields["abn_status_from"]
        when = f" on {since:%d %B %Y}" if since else ""
        raise ValidationError(
            f"ABN {stdnum_abn.format(tax_id)} is {str(fields['abn_status']).lower() or 'not active'}{when}; "
            "enter the ABN of an active business.",
            code="abn_cancelled",
        )
    register = {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in fields.items()}
    register["abr_checked_at"] = timezone.now().isoformat()
    return BusinessNumber(tax_id, TaxIdVerification.ABR, "ABN", register)
