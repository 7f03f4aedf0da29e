"""Builds the reference tables: every country and currency from pycountry + babel (maintained ISO
data, not typed by hand) with the tax and provider overlay of fixtures/countries.json, languages
from pycountry, industries and customer tiers from fixtures/reference/. Idempotent: rows are keyed
by code and only saved (and so only given a history row) when something changed.
"""

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import pycountry
from babel import Locale, UnknownLocaleError
from babel.languages import get_official_languages
from babel.numbers import get_currency_name, get_currency_symbol, get_territory_currencies
from django.conf import settings
from django.db import models, transaction

from apps.sysconfig.validation import validation_rules_load

from .models import Country, CustomerTier, Industry, Language

FIXTURES = Path(settings.BASE_DIR, "fixtures")


class Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


COUNTRY_OVERLAY = FIXTURES / "countries.json"
NO_CURRENCY = "XXX"  # ISO 4217 "no currency" (Antarctica, ...)


def _locale_for(country_code: str) -> Locale:
    candidates = [f"en_{country_code}", *(f"{lang}_{country_code}" for lang in get_official_languages(country_code))]
    for candidate in candidates:
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


def _currency(country_code: str) -> dict[str, str]:
    currencies = get_territory_currencies(country_code, tender=True)
    if not currencies:
        return {"currency_code": NO_CURRENCY, "currency_symbol": "¤", "currency_name": "No currency"}
    code = currencies[0]
    symbol = get_currency_symbol(code, locale=_locale_for(country_code))
    return {
        "currency_code": code,
        "currency_symbol": symbol if len(symbol) <= 5 else code,
        "currency_name": get_currency_name(code, locale="en"),
    }


def countries_from_packages() -> dict[str, dict[str, Any]]:
    """Every ISO 3166-1 country: names from babel's English CLDR data, codes from pycountry."""
    english = Locale.parse("en").territories
    rows = {}
    for country in pycountry.countries:
        code = country.alpha_2
        name = english.get(code) or getattr(country, "common_name", None) or country.name
        rows[code] = {"name": name[:100], "code_alpha3": country.alpha_3, "numeric_code": country.numeric,
                      **_currency(code)}  # fmt: skip
    return rows


def _overlay() -> dict[str, dict[str, Any]]:
    rows = json.loads(COUNTRY_OVERLAY.read_text(encoding="utf-8"))
    return {row["fields"]["code"]: {k: v for k, v in row["fields"].items() if k != "code"} for row in rows}


def _upsert(model: type[models.Model], key: str, rows: dict[str, dict[str, Any]]) -> tuple[int, int]:
    """Create missing rows and save changed ones; returns (created, updated)."""
    existing = {getattr(obj, key): obj for obj in model.objects.all()}  # type: ignore[attr-defined]
    created = updated = 0
    for code, fields in rows.items():
        obj = existing.get(code)
        if obj is None:
            obj = model(**{key: code}, **fields)
            obj.full_clean()
            obj.save()
            created += 1
            continue
        changed = {name: value for name, value in fields.items() if _differs(getattr(obj, name), value)}
        if changed:
            for name, value in changed.items():
                setattr(obj, name, value)
            obj.full_clean()
            obj.save()
            updated += 1
    return created, updated


def _differs(current: Any, new: Any) -> bool:
    if isinstance(current, models.Model):
        return current.pk != getattr(new, "pk", new)
    return str(current) != str(new) if not isinstance(current, (dict, list, bool)) else current != new


def languages_from_packages() -> dict[str, dict[str, Any]]:
    rows = {}
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None)
        if not code:
            continue
        try:
            native = Locale.parse(code).get_display_name(code) or ""
        except (UnknownLocaleError, ValueError):
            native = ""
        rows[code] = {"name": language.name[:100], "code_alpha3": language.alpha_3, "native_name": native[:100]}
    return rows


def _keyed_fixture(name: str) -> dict[str, dict[str, Any]]:
    rows = json.loads((FIXTURES / "reference" / name).read_text(encoding="utf-8"))
    return {row["code"]: {k: v for k, v in row.items() if k != "code"} for row in rows}


@transaction.atomic
def reference_data_load(*, stdout: Writer | None = None) -> dict[str, tuple[int, int]]:
    """Load countries, languages, industries, customer tiers and validation rules (idempotent)."""
    countries = countries_from_packages()
    for code, fields in _overlay().items():
        countries.setdefault(code, {}).update(fields)
    results = {
        "countries": _upsert(Country, "code", countries),
        "languages": _upsert(Language, "code", languages_from_packages()),
        "industries": _upsert(Industry, "code", _keyed_fixture("industries.json")),
        "customer tiers": _upsert(CustomerTier, "code", _keyed_fixture("customer_tiers.json")),
    }
    results["validation rules"] = (validation_rules_load(), 0)
    _report(results.items(), stdout)
    return results


def _report(results: Iterable[tuple[str, tuple[int, int]]], stdout: Writer | None) -> None:
    if stdout is None:
        return
    for name, (created, updated) in results:
        stdout.write(f"  {name}: {created} created, {updated} updated\n")
