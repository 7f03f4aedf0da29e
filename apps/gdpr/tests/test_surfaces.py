"""GDPR surfaces: staff admin (superuser/support/billing), portal privacy page and tenant API; outsiders refused."""

import re

import pytest
from django.core import signing
from django_tenants.utils import tenant_context

from apps.gdpr.models import ConsentRecord, GdprRequest
from apps.gdpr.runner import gdpr_request_run
from apps.gdpr.services import consent_latest, consent_set, gdpr_request_create
from apps.gdpr.views import SALT, export_link_token
from apps.integrations.tests.conftest import api_key_header

pytestmark = pytest.mark.django_db

ADMIN_LIST = "/admin/gdpr/gdprrequest/"
ADMIN_ADD = "/admin/gdpr/gdprrequest/add/"
CONSENT_ADMIN = "/admin/gdpr/consentrecord/"
PRIVACY = "/manage/privacy/"
API_CONSENTS = "/api/v1/privacy/consents/"
API_EXPORTS = "/api/v1/privacy/exports/"


@pytest.fixture(autouse=True)
def export_root(tmp_path, settings):
    settings.GDPR_EXPORT_ROOT = str(tmp_path / "gdpr")


@pytest.fixture
def ready_export(acme_member):
    request = gdpr_request_create(subject=acme_member, kind="access", acting_user=acme_member, enqueue=False)
    gdpr_request_run(request_id=request.pk)
    request.refresh_from_db()
    assert request.download_ready
    return request


# --- Admin ---------------------------------------------------------------------------------------


def test_superuser_registers_an_erasure_and_sees_the_list(platform_client, platform_superuser, acme_member):
    platform_client.force_login(platform_superuser)
    response = platform_client.post(ADMIN_ADD, {"subject": acme_member.email, "kind": "erasure", "notes": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    request = GdprRequest.objects.get(subject=acme_member)
    assert request.kind == "erasure" and request.requested_by == platform_superuser
    page = platform_client.get(ADMIN_LIST + "?due=open").content.decode()
    assert request.number in page
    assert platform_client.get(f"{ADMIN_LIST}{request.pk}/change/").status_code == 200


def test_support_may_register_access_but_not_erasure(platform_client, support_staff, acme_member):
    platform_client.force_login(support_staff)
    refused = platform_client.post(ADMIN_ADD, {"subject": acme_member.email, "kind": "erasure"})
    assert refused.status_code == 200 and "Only super admins" in refused.content.decode()
    assert not GdprRequest.objects.filter(subject=acme_member).exists()
    response = platform_client.post(ADMIN_ADD, {"subject": acme_member.email, "kind": "access"})
    assert response.status_code == 302
    assert GdprRequest.objects.filter(subject=acme_member, kind="access").exists()
    assert platform_client.get(CONSENT_ADMIN).status_code == 200


def test_billing_admin_sees_nothing_of_gdpr(platform_client, billing_staff, ready_export):
    platform_client.force_login(billing_staff)
    assert platform_client.get(ADMIN_LIST).status_code == 403
    assert platform_client.get(ADMIN_ADD).status_code == 403
    assert platform_client.get(CONSENT_ADMIN).status_code == 403
    assert platform_client.get(f"{ADMIN_LIST}{ready_export.pk}/download/").status_code == 403


def test_staff_download_the_archive_from_the_admin(platform_client, support_staff, ready_export):
    platform_client.force_login(support_staff)
    response = platform_client.get(f"{ADMIN_LIST}{ready_export.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["X-Checksum-SHA256"] == ready_export.result_checksum


def test_reject_page_rejects_with_reason(platform_client, platform_superuser, acme_member):
    request = gdpr_request_create(subject=acme_member, kind="access", acting_user=None, enqueue=False)
    platform_client.force_login(platform_superuser)
    response = platform_client.post(f"{ADMIN_LIST}{request.pk}/reject/", {"reason": "Not the account holder"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "rejected" and request.rejection_reason == "Not the account holder"


# --- Portal --------------------------------------------------------------------------------------


def test_member_grants_and_withdraws_consent_in_the_portal(acme_client, acme_member):
    acme_client.force_login(acme_member)
    assert "Marketing emails" in acme_client.get(PRIVACY).content.decode()
    acme_client.post(PRIVACY + "consents/", {"purpose": "marketing_email", "decision": "grant"})
    assert consent_latest(user=acme_member)["marketing_email"].granted
    acme_client.post(PRIVACY + "consents/", {"purpose": "marketing_email", "decision": "withdraw"})
    latest = consent_latest(user=acme_member)["marketing_email"]
    assert not latest.granted and latest.withdrawn_at and latest.source == "portal"
    assert ConsentRecord.objects.filter(user=acme_member).count() == 2


def test_member_requests_an_export_and_downloads_it_by_signed_link(acme_client, acme_member, ready_export):
    acme_client.force_login(acme_member)
    page = acme_client.get(PRIVACY).content.decode()
    # The token is timestamped (signing.dumps): take the page's own link, and check it names this export
    # (recomputing it here flaked whenever the clock ticked a second between the two).
    token = re.search(r"/manage/privacy/download/([^/\"]+)/", page).group(1)
    assert signing.loads(token, salt=SALT) == signing.loads(export_link_token(ready_export), salt=SALT)
    response = acme_client.get(f"/manage/privacy/download/{token}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert acme_client.get("/manage/privacy/download/forged-token/").status_code == 404


def test_someone_else_cannot_use_the_link(acme_client, acme_admin, globex_client, globex_member, ready_export):
    token = export_link_token(ready_export)
    acme_client.force_login(acme_admin)  # another member of the same tenant
    assert acme_client.get(f"/manage/privacy/download/{token}/").status_code == 404
    globex_client.force_login(globex_member)
    assert globex_client.get(f"/manage/privacy/download/{token}/").status_code == 404


def test_portal_refuses_anonymous_and_non_members(acme_client, globex_member):
    assert acme_client.get(PRIVACY).status_code == 302  # to the login page
    acme_client.force_login(globex_member)
    assert acme_client.get(PRIVACY).status_code in (403, 404)
    assert acme_client.post(PRIVACY + "export/").status_code in (403, 404)
    assert not GdprRequest.objects.filter(subject=globex_member).exists()


def test_portal_export_request_registers_an_access_request(acme_client, acme_member):
    acme_client.force_login(acme_member)
    acme_client.post(PRIVACY + "export/")
    assert GdprRequest.objects.filter(subject=acme_member, kind="access", status="received").count() == 1


# --- API -----------------------------------------------------------------------------------------


def test_api_consents_are_the_members_own(acme_client, acme_member, acme_admin, acme):
    consent_set(user=acme_admin, purpose="product_analytics", granted=True, source="admin", acting_user=None)
    acme_client.force_login(acme_member)
    assert acme_client.get(API_CONSENTS).json() == []
    response = acme_client.post(API_CONSENTS, {"purpose": "product_analytics", "granted": True}, "application/json")
    assert response.status_code == 201 and response.json()["source"] == "api"
    body = acme_client.get(API_CONSENTS).json()
    assert [row["purpose"] for row in body] == ["product_analytics"]
    bad = acme_client.post(API_CONSENTS, {"purpose": "spam", "granted": True}, "application/json")
    assert bad.status_code == 400


def test_api_export_request_and_list(acme_client, acme_member, ready_export):
    acme_client.force_login(acme_member)
    rows = acme_client.get(API_EXPORTS).json()
    assert rows[0]["number"] == ready_export.number and rows[0]["download_url"].startswith("/manage/privacy/download/")
    response = acme_client.post(API_EXPORTS)
    assert response.status_code == 201 and response.json()["status"] == "received"
    again = acme_client.post(API_EXPORTS)
    assert again.status_code == 400  # one open export at a time


def test_api_refuses_outsiders_and_api_keys(acme_client, acme, acme_admin, globex_member):
    assert acme_client.get(API_CONSENTS).status_code in (401, 403)
    acme_client.force_login(globex_member)
    assert acme_client.get(API_CONSENTS).status_code == 403
    assert acme_client.post(API_EXPORTS).status_code == 403
    acme_client.logout()
    from apps.integrations.services import api_key_create

    with tenant_context(acme):
        _, raw = api_key_create(name="Privacy probe", scopes=["tenant:read"], acting_user=acme_admin)
    response = acme_client.get(API_CONSENTS, **api_key_header(raw))
    assert response.status_code == 403 and response.json()["code"] == "api_key_not_allowed"


def test_admin_list_queries_do_not_grow_with_rows(platform_client, platform_superuser, acme_member, acme_admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    platform_client.force_login(platform_superuser)
    gdpr_request_create(subject=acme_member, kind="access", acting_user=None, enqueue=False)
    with CaptureQueriesContext(connection) as few:
        assert platform_client.get(ADMIN_LIST).status_code == 200
    for _ in range(5):
        gdpr_request_create(subject=UserFactory(), kind="access", acting_user=None, enqueue=False)
    with CaptureQueriesContext(connection) as many:
        assert platform_client.get(ADMIN_LIST).status_code == 200
    assert len(many) == len(few)


def test_portal_page_queries_are_constant(acme_client, acme_member, django_assert_max_num_queries):
    acme_client.force_login(acme_member)
    for purpose in ("marketing_email", "product_analytics", "product_updates"):
        consent_set(user=acme_member, purpose=purpose, granted=True, source="portal", acting_user=acme_member)
    with django_assert_max_num_queries(20):
        assert acme_client.get(PRIVACY).status_code == 200


def test_admin_forms_render(platform_client, platform_superuser, acme_member):
    request = gdpr_request_create(
        subject=acme_member, kind="rectification", acting_user=None, notes="Fix", enqueue=False
    )
    platform_client.force_login(platform_superuser)
    assert "Person (email)" in platform_client.get(ADMIN_ADD).content.decode()
    assert "Reason" in platform_client.get(f"{ADMIN_LIST}{request.pk}/reject/").content.decode()
    page = platform_client.get(f"{ADMIN_LIST}{request.pk}/change/").content.decode()
    assert "Mark as corrected" in page
    response = platform_client.post(f"{ADMIN_LIST}{request.pk}/complete/", {"reason": "Title fixed"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "completed" and request.completed_at
    unknown = platform_client.post(ADMIN_ADD, {"subject": "nobody@example.test", "kind": "access"})
    assert unknown.status_code == 200 and not GdprRequest.objects.filter(kind="access").exists()
