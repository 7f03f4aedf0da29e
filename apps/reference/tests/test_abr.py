"""ABR client through the local stub: cache miss then hit, invalid numbers refused before any call,
expired entries refetched, errors not cached; the company record filled from the register."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.reference.abr import CACHE_DAYS, AbrError, abr_lookup_abn, abr_lookup_acn, abr_search_name
from apps.reference.models import AbrLookupCache, TenantCompanyRecord
from apps.reference.services import company_record_abr_refresh, company_record_update

pytestmark = pytest.mark.django_db

ATO = "51 824 753 556"
ACME_ABN = "53 004 085 616"


def test_cache_miss_then_hit(abr_stub):
    first = abr_lookup_abn(ATO)
    assert first["EntityName"] == "AUSTRALIAN TAXATION OFFICE"
    assert len(abr_stub.requests_seen) == 1 and "guid=test-guid" in abr_stub.requests_seen[0]
    assert abr_lookup_abn("51824753556") == first  # same ABN, other spelling: from the cache
    assert len(abr_stub.requests_seen) == 1
    row = AbrLookupCache.objects.get(search_type="abn", search_value="51824753556")
    assert row.expires_at - row.fetched_at == timedelta(days=CACHE_DAYS)


def test_an_invalid_abn_is_refused_before_any_request(abr_stub):
    with pytest.raises(ValidationError, match="Enter a valid ABN"):
        abr_lookup_abn("51 824 753 557")
    with pytest.raises(ValidationError, match="Enter a valid ACN"):
        abr_lookup_acn("004 085 617")
    assert abr_stub.requests_seen == []


def test_an_expired_entry_is_fetched_again(abr_stub):
    start = timezone.now()
    abr_lookup_abn(ATO, now=start)
    abr_lookup_abn(ATO, now=start + timedelta(days=CACHE_DAYS - 1))
    assert len(abr_stub.requests_seen) == 1
    abr_lookup_abn(ATO, now=start + timedelta(days=CACHE_DAYS + 1))
    assert len(abr_stub.requests_seen) == 2
    row = AbrLookupCache.objects.get(search_type="abn", search_value="51824753556")
    assert row.fetched_at == start + timedelta(days=CACHE_DAYS + 1)


def test_acn_and_name_searches_are_cached_by_their_own_key(abr_stub):
    assert abr_lookup_acn("004 085 616")["Abn"] == "53004085616"
    names = abr_search_name("  ACME ")
    assert [name["Name"] for name in names] == ["ACME WORKFORCE", "ACME HOLDINGS PTY LTD"]
    abr_search_name("acme")
    assert len(abr_stub.requests_seen) == 2
    assert set(AbrLookupCache.objects.values_list("search_type", "search_value")) == {
        ("acn", "004085616"),
        ("name", "acme"),
    }


def test_unknown_numbers_and_refusals_are_errors_and_not_cached(abr_stub, settings):
    with pytest.raises(AbrError, match="No record found"):
        abr_lookup_abn("83 914 571 673")  # well-formed, unknown to the stub
    settings.ABR_GUID = "unregistered"
    with pytest.raises(AbrError, match="GUID entered is not recognised"):
        abr_lookup_abn(ATO)
    assert not AbrLookupCache.objects.exists()


def test_an_unreachable_register_is_an_abr_error(settings):
    settings.ABR_BASE_URL = "http://127.0.0.1:9/json/"
    settings.ABR_TIMEOUT_SECONDS = 2
    with pytest.raises(AbrError, match="did not answer"):
        abr_lookup_abn(ATO)


def test_the_company_record_gets_the_register_details(abr_stub, acme, platform_superuser):
    acme.country = "AU"
    acme.save(update_fields=["country"])
    record = company_record_update(tenant=acme, acting_user=platform_superuser, tax_id=ACME_ABN,
                                   phone="(02) 9374 4000", postal_code="2000")  # fmt: skip
    assert (record.tax_id, record.phone) == ("53004085616", "+61293744000")
    record = company_record_abr_refresh(record=record, acting_user=platform_superuser)
    record.refresh_from_db()
    assert record.legal_name == "ACME HOLDINGS PTY LTD"
    assert record.business_names == ["ACME WORKFORCE", "ACME ROSTERS"]
    assert (record.abn_status, record.entity_type, record.gst_registered) == (
        "Active",
        "Australian Private Company",
        True,
    )
    assert record.company_number == "004085616" and record.abr_checked_at is not None
    event = AuditEvent.objects.filter(action="company_record.abr_lookup").latest("created_at")
    assert event.tenant_id == acme.pk and event.after["legal_name"] == "ACME HOLDINGS PTY LTD"


def test_company_record_refuses_values_that_do_not_suit_the_country(acme, platform_superuser):
    acme.country = "AU"
    acme.save(update_fields=["country"])
    with pytest.raises(ValidationError) as excinfo:
        company_record_update(tenant=acme, acting_user=platform_superuser, tax_id="51 824 753 557",
                              phone="+1 201 555 0123", postal_code="20000")  # fmt: skip
    assert set(excinfo.value.message_dict) == {"tax_id", "phone", "postal_code"}
    assert not TenantCompanyRecord.objects.filter(tenant=acme).exists()
