"""Validation of phone numbers, postal codes, tax ids, emails and addresses by country, driven by
`ValidationRule` rows: `validate_value(country_code, kind, value)` returns the normalised value or
raises ValidationError with the rule's message.

Providers: "phonenumbers" (E.164 result, must belong to the country), "stdnum:<module>" (checksums
from python-stdnum, e.g. "stdnum:au.abn"; compact result), "regex" (the rule's pattern, matched on
the upper-cased, trimmed value) and "email". With no rule for the country, phones still go through
phonenumbers and emails through Django's validator; other kinds are only trimmed.
"""

import importlib
import json
import re
from pathlib import Path
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from .models import RuleKind, ValidationRule

ANY_COUNTRY = "ZZ"
RULES_FIXTURE = Path(settings.BASE_DIR, "fixtures", "reference", "validation_rules.json")


class _Rejected(Exception):
    pass


def validate_value(country_code: str, kind: str, value: str) -> str:
    """`value` normalised if a rule for the country accepts it; ValidationError otherwise."""
    country_code = (country_code or "").strip().upper()
    if kind not in RuleKind.values:
        raise ValidationError(f"Unknown kind of value {kind!r}.", code="invalid_kind")
    value = (value or "").strip()
    if not value:
        raise ValidationError("This value is required.", code="required")
    rules = _rules(country_code, kind)
    for rule in rules:
        try:
            return _check(rule.provider, rule.pattern, country_code, value)
        except _Rejected:
            continue
    if not rules:
        return _check_without_rule(country_code, kind, value)
    raise ValidationError(_message(rules), code=f"invalid_{kind}")


def _rules(country_code: str, kind: str) -> list[ValidationRule]:
    rules = list(ValidationRule.objects.filter(country_code=country_code, kind=kind, is_active=True))
    return rules or list(ValidationRule.objects.filter(country_code=ANY_COUNTRY, kind=kind, is_active=True))


def _message(rules: list[ValidationRule]) -> str:
    if len(rules) == 1:
        return rules[0].message
    return "Enter a valid " + " or ".join(rule.name for rule in rules) + "."


def _check_without_rule(country_code: str, kind: str, value: str) -> str:
    try:
        if kind == RuleKind.PHONE:
            return _check("phonenumbers", "", country_code, value)
        if kind == RuleKind.EMAIL:
            return _check("email", "", country_code, value)
    except _Rejected:
        label = "phone number" if kind == RuleKind.PHONE else "email address"
        raise ValidationError(f"Enter a valid {label}.", code=f"invalid_{kind}") from None
    return value


def _check(provider: str, pattern: str, country_code: str, value: str) -> str:
    if provider == "phonenumbers":
        return _phone(country_code, value)
    if provider.startswith("stdnum:"):
        return _stdnum(provider.removeprefix("stdnum:"), value)
    if provider == "regex":
        normalised = re.sub(r"\s+", " ", value).upper()
        if re.fullmatch(pattern, normalised):
            return normalised
        raise _Rejected
    if provider == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise _Rejected from None
        local, _, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"
    raise ValidationError(f"Unknown validation provider {provider!r}.", code="invalid_provider")


def _phone(country_code: str, value: str) -> str:
    region = None if country_code in ("", ANY_COUNTRY) else country_code
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise _Rejected from None
    valid = phonenumbers.is_valid_number_for_region(number, region) if region else phonenumbers.is_valid_number(number)
    if not valid:
        raise _Rejected
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _stdnum(module_name: str, value: str) -> str:
    if not re.fullmatch(r"[a-z]{2}\.[a-z_]+|[a-z_]+", module_name):
        raise ValidationError(f"Unknown validation provider stdnum:{module_name}.", code="invalid_provider")
    module: Any = importlib.import_module(f"stdnum.{module_name}")
    if not module.is_valid(value):
        raise _Rejected
    return str(module.compact(value))


def validation_form_field_clean(form: Any, field: str, *, kind: str, country_field: str = "country") -> str:
    """For forms' clean_<field>: validate the field for the country chosen in the same form."""
    value = form.cleaned_data.get(field) or ""
    if not value:
        return value
    return validate_value(str(form.cleaned_data.get(country_field) or form.data.get(country_field) or ""), kind, value)


@transaction.atomic
def validation_rules_load(path: Path = RULES_FIXTURE) -> int:
    """Create or update the rules in the fixture, keyed by (country, kind, name). Returns the count."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    for row in rows:
        keys = {name: row[name] for name in ("country_code", "kind", "name")}
        defaults = {name: value for name, value in row.items() if name not in keys}
        ValidationRule.objects.update_or_create(**keys, defaults=defaults)
    return len(rows)
