"""Business numbers per country: the ABN through the register (recorded answers), other countries by
their rule or python-stdnum, else unverified."""

import pytest
from django.core.exceptions import ValidationError

from apps.onboarding.business_numbers import RegisterUnavailable, business_number_check
from apps.reference.models import TaxIdVerification

from .conftest import ACTIVE_ABN, CANCELLED_ABN

pytestmark = pytest.mark.django_db


def test_active_abn_is_verified_and_filled_by_the_register(abr_stub):
    result = business_number_check(country="AU", number="53 004 085 616")
    assert result.tax_id == ACTIVE_ABN
    assert result.verification == TaxIdVerification.ABR
    assert result.register["legal_name"] == "ACME HOLDINGS PTY LTD"
    assert result.register["business_names"] == ["ACME WORKFORCE", "ACME ROSTERS"]
    assert result.register["entity_type"] == "Australian Private Company"
    assert result.register["abn_status"] == "Active"
    assert result.register["gst_registered"] is True


def test_abn_with_a_wrong_checksum_never_reaches_the_register(abr_stub):
    with pytest.raises(ValidationError) as caught:
        business_number_check(country="AU", number="53 004 085 617")
    assert caught.value.code == "invalid_abn"
    assert "correct checksum" in caught.value.messages[0]
    assert abr_stub.requests_seen == []


def test_cancelled_abn_is_refused(abr_stub):
    with pytest.raises(ValidationError) as caught:
        business_number_check(country="AU", number=CANCELLED_ABN)
    assert caught.value.code == "abn_cancelled"
    assert "cancelled on 30 June 2019" in caught.value.messages[0]


def test_abn_the_register_does_not_know_is_refused(abr_stub):  # a valid checksum, no recorded answer
    with pytest.raises(ValidationError) as caught:
        business_number_check(country="AU", number="83 914 571 673")
    assert caught.value.code == "abn_not_found"


def test_register_unreachable_offers_unverified_entry(abr_down):
    with pytest.raises(RegisterUnavailable) as caught:
        business_number_check(country="AU", number=ACTIVE_ABN)
    assert "cannot be reached" in str(caught.value)
    result = business_number_check(country="AU", number=ACTIVE_ABN, accept_unverified=True)
    assert (result.tax_id, result.verification, result.register) == (ACTIVE_ABN, TaxIdVerification.UNVERIFIED, {})


def test_country_rule_checks_the_number():
    assert business_number_check(country="NZ", number="49-091-850").verification == TaxIdVerification.CHECKSUM
    with pytest.raises(ValidationError) as caught:
        business_number_check(country="NZ", number="49-091-851")
    assert caught.value.messages == ["Enter a valid IRD number, e.g. 49-091-850."]


def test_stdnum_module_for_a_country_without_rule():
    result = business_number_check(country="FR", number="FR 40 303 265 045")
    assert (result.tax_id, result.verification) == ("40303265045", TaxIdVerification.CHECKSUM)
    with pytest.raises(ValidationError) as caught:
        business_number_check(country="FR", number="FR 40 303 265 046")
    assert caught.value.code == "invalid_tax_id"


def test_country_without_any_validator_takes_free_text_unverified():
    result = business_number_check(country="AQ", number="Station 12")
    assert (result.tax_id, result.verification) == ("Station 12", TaxIdVerification.UNVERIFIED)
