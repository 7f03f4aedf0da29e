"""The company profile: members read it, tenant admins edit it (portal and API), other tenants never
see it; history and audit; a parent company never makes a cycle."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.audit.models import AuditEvent
from apps.reference.models import TenantCompanyRecord
from apps.reference.services import company_profile_update

pytestmark = pytest.mark.django_db

FORM = {"display_name_source": "legal", "billing_email": "Billing@Acme.test", "company_size": "50-199",
        "website": "https://acme.test", "city": "Sydney"}  # fmt: skip


@pytest.fixture
def acme_record(acme):
    return company_profile_update(tenant=acme, acting_user=None, legal_name="Acme", tax_id="53004085616")


def test_members_read_the_profile(acme_client, acme_member, acme_record):
    acme_client.force_login(acme_member)
    response = acme_client.get("/manage/company/")
    assert response.status_code == 200
    assert b"53004085616" in response.content
    assert b"Tenant admins can change the profile." in response.content
    assert acme_client.post("/manage/company/", FORM).status_code == 403


def test_admins_edit_the_profile_with_history_and_audit(acme_client, acme_admin, acme_record, acme):
    acme_client.force_login(acme_admin)
    response = acme_client.post("/manage/company/", {**FORM, "display_name_source": "custom",
                                                     "custom_display_name": "Acme Group"})  # fmt: skip
    assert response.status_code == 302
    record = TenantCompanyRecord.objects.get(tenant=acme)
    assert (record.company_size, record.website, record.display_name) == ("50-199", "https://acme.test", "Acme Group")
    acme.refresh_from_db()
    assert (acme.name, acme.billing_email) == ("Acme Group", "billing@acme.test")
    assert record.history.count() >= 2
    assert AuditEvent.objects.filter(action="company_record.changed", tenant_id=str(acme.pk)).count() >= 2


def test_custom_source_without_a_name_is_refused(acme_client, acme_admin, acme_record):
    acme_client.force_login(acme_admin)
    response = acme_client.post("/manage/company/", {**FORM, "display_name_source": "custom"})
    assert response.status_code == 400
    assert b"Enter the name to show." in response.content


def test_another_tenant_never_sees_the_profile(acme_client, globex_member, globex_client, acme_record):
    acme_client.force_login(globex_member)
    assert acme_client.get("/manage/company/").status_code == 403
    assert acme_client.get("/api/v1/company/").status_code == 403
    assert acme_client.patch("/api/v1/company/", {"website": "https://evil.test"},
                             content_type="application/json").status_code == 403  # fmt: skip
    globex_client.force_login(globex_member)
    assert b"53004085616" not in globex_client.get("/manage/company/").content


def test_api_reads_for_members_and_writes_for_admins(acme_client, acme_member, acme_admin, acme_record, acme):
    acme_client.force_login(acme_member)
    body = acme_client.get("/api/v1/company/").json()
    assert (body["legal_name"], body["tax_id"], body["tax_id_verification"]) == ("Acme", "53004085616", "unverified")
    assert (
        acme_client.patch("/api/v1/company/", {"company_size": "1-9"}, content_type="application/json").status_code
        == 403
    )
    acme_client.force_login(acme_admin)
    change = {"company_size": "1-9", "billing_email": "pay@acme.test", "legal_name": "Ignored"}
    response = acme_client.patch("/api/v1/company/", change, content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["company_size"], response.json()["billing_email"]) == ("1-9", "pay@acme.test")
    assert response.json()["legal_name"] == "Acme"  # the register's fields are read-only
    bad = acme_client.patch("/api/v1/company/", {"display_name_source": "custom", "custom_display_name": ""},
                            content_type="application/json")  # fmt: skip
    assert bad.status_code == 400


def test_parent_company_never_makes_a_cycle(acme, globex):
    company_profile_update(tenant=acme, acting_user=None, legal_name="Acme", parent=globex)
    with pytest.raises(ValidationError) as caught:
        company_profile_update(tenant=globex, acting_user=None, legal_name="Globex", parent=acme)
    assert "already belongs to Globex's group" in caught.value.message_dict["parent"][0]
    with pytest.raises(ValidationError):
        company_profile_update(tenant=acme, acting_user=None, parent=acme)
    # The database refuses it too, whatever path writes it.
    TenantCompanyRecord.objects.create(tenant=globex, legal_name="Globex")
    with pytest.raises(IntegrityError), transaction.atomic():
        TenantCompanyRecord.objects.filter(tenant=globex).update(parent=acme)
