"""validate_value: phone numbers (phonenumbers), tax ids (python-stdnum checksums), postal codes (patterns)."""

import pytest
from django.core.exceptions import ValidationError

from apps.sysconfig.models import ValidationRule
from apps.sysconfig.validation import validate_value, validation_rules_load

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("country", "raw", "normalised"),
    [
        ("AU", "(02) 9374 4000", "+61293744000"),
        ("AU", "0412 345 678", "+61412345678"),
        ("NZ", "09 300 1234", "+6493001234"),
        ("NZ", "+64 21 123 4567", "+64211234567"),
        ("GB", "020 7946 0018", "+442079460018"),
        ("GB", "07400 123456", "+447400123456"),
        ("US", "(201) 555-0123", "+12015550123"),
        ("US", "+1 415 555 2671", "+14155552671"),
    ],
)
def test_valid_phone_numbers_are_normalised_to_e164(country, raw, normalised):
    assert validate_value(country, "phone", raw) == normalised


@pytest.mark.parametrize(
    ("country", "raw"),
    [
        ("AU", "02 9374 400"),  # a digit short
        ("AU", "+44 20 7946 0018"),  # a valid number, but British
        ("NZ", "12345"),
        ("GB", "020 7946 001"),
        ("US", "(201) 555-012"),
        ("US", "not a number"),
    ],
)
def test_invalid_phone_numbers_for_the_country_are_refused(country, raw):
    with pytest.raises(ValidationError, match="Enter a valid phone number for this country"):
        validate_value(country, "phone", raw)


def test_abn_checksum():
    assert validate_value("AU", "tax_id", "51 824 753 556") == "51824753556"
    with pytest.raises(ValidationError, match=r"Enter a valid ABN or ACN\."):
        validate_value("AU", "tax_id", "51 824 753 557")  # last digit changed: checksum fails


def test_acn_checksum_is_also_an_australian_tax_id():
    assert validate_value("AU", "tax_id", "004 085 616") == "004085616"
    with pytest.raises(ValidationError):
        validate_value("AU", "tax_id", "004 085 617")


@pytest.mark.parametrize(
    ("country", "value", "normalised"),
    [("NZ", "49-091-850", "49091850"), ("GB", "GB 980 7806 84", "980780684"), ("US", "12-3456789", "123456789"),
     ("DE", "DE 136 695 976", "136695976"), ("MX", "GODE561231GR8", "GODE561231GR8")],
)  # fmt: skip
def test_other_countries_tax_ids(country, value, normalised):
    assert validate_value(country, "tax_id", value) == normalised


def test_invalid_tax_ids_get_the_rule_message():
    with pytest.raises(ValidationError) as excinfo:
        validate_value("GB", "tax_id", "GB 980 7806 85")
    assert excinfo.value.messages == ["Enter a valid VAT number, e.g. GB 980 7806 84."]


@pytest.mark.parametrize(
    ("country", "value", "normalised"),
    [("AU", "2000", "2000"), ("NZ", "1010", "1010"), ("GB", "sw1a 1aa", "SW1A 1AA"), ("US", "94105-1234", "94105-1234"),
     ("CA", "k1a 0b1", "K1A 0B1"), ("DE", "10115", "10115")],
)  # fmt: skip
def test_postal_codes_match_their_pattern(country, value, normalised):
    assert validate_value(country, "postal_code", value) == normalised


@pytest.mark.parametrize(("country", "value"), [("AU", "200"), ("AU", "20000"), ("GB", "SW1A"), ("US", "9410")])
def test_bad_postal_codes_are_refused(country, value):
    with pytest.raises(ValidationError, match="Enter a valid"):
        validate_value(country, "postal_code", value)


def test_email_rule_applies_to_every_country():
    assert validate_value("FR", "email", "Ana@Example.COM") == "Ana@example.com"
    with pytest.raises(ValidationError, match=r"Enter a valid email address\."):
        validate_value("AU", "email", "ana@")


def test_rules_are_data_an_inactive_rule_stops_applying():
    ValidationRule.objects.filter(country_code="AU", kind="tax_id", name="ACN").update(is_active=False)
    with pytest.raises(ValidationError, match="Enter a valid ABN"):
        validate_value("AU", "tax_id", "004 085 616")


def test_countries_without_rules_still_check_phones_and_accept_other_kinds():
    assert validate_value("FR", "phone", "01 42 68 53 00") == "+33142685300"
    with pytest.raises(ValidationError, match=r"Enter a valid phone number\."):
        validate_value("FR", "phone", "12")
    assert validate_value("FR", "postal_code", " 75008 ") == "75008"


def test_blank_and_unknown_kinds_are_refused():
    with pytest.raises(ValidationError, match="required"):
        validate_value("AU", "phone", "  ")
    with pytest.raises(ValidationError, match="Unknown kind"):
        validate_value("AU", "fax", "1")


def test_loading_the_rules_is_idempotent():
    count = ValidationRule.objects.count()
    assert validation_rules_load() == count
    assert validation_rules_load() == count
    assert ValidationRule.objects.count() == count
