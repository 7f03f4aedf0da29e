"""Reference data and company records in the staff admin: who may write, the typed form, "Look up ABN"."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from apps.reference.models import TenantCompanyRecord
from apps.reference.services import company_record_update

pytestmark = pytest.mark.django_db

RECORDS = "/admin/reference/tenantcompanyrecord/"


@pytest.fixture
def acme_record(acme, platform_superuser) -> TenantCompanyRecord:
    acme.country = "AU"
    acme.save(update_fields=["country"])
    return company_record_update(tenant=acme, acting_user=platform_superuser, tax_id="53 004 085 616")


REFERENCE_LISTS = ["/admin/reference/country/", "/admin/reference/language/", "/admin/reference/industry/",
                   "/admin/reference/customertier/", "/admin/reference/abrlookupcache/", RECORDS]  # fmt: skip


@pytest.mark.parametrize("path", REFERENCE_LISTS)
@pytest.mark.parametrize("actor", ["platform_superuser", "billing_staff"])
def test_staff_see_every_reference_list(platform_client, request, actor, acme_record, path):
    platform_client.force_login(request.getfixturevalue(actor))
    assert platform_client.get(path, {"q": "a"}).status_code == 200


def test_support_sees_company_records_only(platform_client, support_staff, acme_record):
    platform_client.force_login(support_staff)
    assert platform_client.get(RECORDS).status_code == 200
    assert platform_client.get(f"{RECORDS}{acme_record.pk}/change/").status_code == 200  # read-only view
    assert platform_client.get("/admin/reference/language/").status_code == 403


def test_look_up_abn_fills_the_record(platform_client, platform_superuser, acme_record, abr_stub):
    platform_client.force_login(platform_superuser)
    response = platform_client.post(RECORDS, {"action": "look_up_abn", ACTION_CHECKBOX_NAME: [acme_record.pk]})
    assert response.status_code == 302
    acme_record.refresh_from_db()
    assert acme_record.legal_name == "ACME HOLDINGS PTY LTD" and acme_record.gst_registered is True
    assert len(abr_stub.requests_seen) == 1


def test_support_cannot_look_up_or_change(platform_client, support_staff, acme_record, abr_stub):
    platform_client.force_login(support_staff)
    platform_client.post(RECORDS, {"action": "look_up_abn", ACTION_CHECKBOX_NAME: [acme_record.pk]})
    acme_record.refresh_from_db()
    assert acme_record.legal_name == "" and abr_stub.requests_seen == []
    assert platform_client.post(f"{RECORDS}{acme_record.pk}/change/", {"tax_id": "1"}).status_code == 403


def test_the_company_form_checks_values_against_the_country(platform_client, billing_staff, acme_record):
    platform_client.force_login(billing_staff)
    data = {"tax_id": "53 004 085 617", "company_number": "", "phone": "12", "address_line": "", "city": "",
            "region": "", "postal_code": "2000", "industry": "", "customer_tier": "", "custom_display_name": "",
            "display_name_source": "legal"}  # fmt: skip
    response = platform_client.post(f"{RECORDS}{acme_record.pk}/change/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a valid ABN or ACN." in body and "Enter a valid phone number for this country" in body
    data.update(tax_id="51 824 753 556", phone="0412 345 678")
    assert platform_client.post(f"{RECORDS}{acme_record.pk}/change/", data).status_code == 302
    acme_record.refresh_from_db()
    assert (acme_record.tax_id, acme_record.phone) == ("51824753556", "+61412345678")


def test_tenant_people_cannot_reach_the_reference_admin(platform_client, acme_admin):
    platform_client.force_login(acme_admin)
    assert platform_client.get(RECORDS).status_code in (302, 403)


def test_demo_seed_gives_acme_a_company_record_once(acme):
    from apps.reference.demo import demo_seed

    acme.country = "AU"
    acme.save(update_fields=["country"])
    demo_seed()
    demo_seed()
    record = TenantCompanyRecord.objects.get(tenant=acme)
    assert (record.tax_id, record.phone) == ("53004085616", "+61293744000")
