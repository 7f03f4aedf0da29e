"""load_reference_data: every country and currency from pycountry + babel, the tax overlay, languages,
industries and tiers; idempotent (a second run changes nothing and writes no history)."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.reference.models import Country, CustomerTier, Industry, Language

pytestmark = pytest.mark.django_db


def test_load_reference_data_builds_every_country_with_the_tax_overlay():
    call_command("load_reference_data", verbosity=0)
    assert Country.objects.count() >= 249
    au = Country.objects.get(code="AU")
    assert (au.tax_rate, au.tax_name, au.tax_inclusive, au.tax_number_label) == (Decimal("0.1000"), "GST", False, "ABN")
    assert (au.currency_code, au.currency_symbol, au.currency_name) == ("AUD", "$", "Australian Dollar")
    assert (au.code_alpha3, au.numeric_code, au.company_validation_provider) == ("AUS", "036", "ABR")
    gb = Country.objects.get(code="GB")
    assert (gb.tax_rate, gb.tax_inclusive) == (Decimal("0.2000"), True)
    for code in ("NZ", "US", "DE", "MX", "CA"):
        assert Country.objects.get(code=code).tax_number_label
    jp = Country.objects.get(code="JP")
    assert (jp.name, jp.currency_code, jp.code_alpha3) == ("Japan", "JPY", "JPN")
    assert Country.objects.get(code="AQ").currency_code == "XXX"
    assert Language.objects.get(code="en").name == "English"
    assert Language.objects.count() >= 180
    assert Industry.objects.filter(code="construction").exists()
    assert list(CustomerTier.objects.values_list("code", flat=True)) == ["free", "starter", "professional",
                                                                          "enterprise"]  # fmt: skip


def test_loading_twice_changes_nothing():
    from apps.reference.loader import reference_data_load

    reference_data_load()
    history = Country.history.count() + Language.history.count()
    results = reference_data_load()
    assert all(created == 0 and updated == 0 for name, (created, updated) in results.items()
               if name != "validation rules")  # fmt: skip
    assert Country.history.count() + Language.history.count() == history


def test_a_staff_edit_is_put_back_only_where_the_fixture_says_so():
    from apps.reference.loader import reference_data_load

    reference_data_load()
    Country.objects.filter(code="AU").update(tax_rate=Decimal("0.1500"), is_active=False)
    reference_data_load()
    au = Country.objects.get(code="AU")
    assert au.tax_rate == Decimal("0.1000")  # the fixture is the source of tax rates
