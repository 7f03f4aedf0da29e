import pytest
from django.utils import timezone

from apps.tenancy.lifecycle import tenant_archive, tenant_suspend
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def test_suspended_tenant_portal_shows_the_suspended_page(acme, acme_admin, acme_client, platform_superuser):
    tenant_suspend(tenant=acme, acting_user=platform_superuser, reason="Unpaid")
    acme_client.force_login(acme_admin)
    response = acme_client.get("/manage/")
    assert response.status_code == 403
    assert "tenancy/suspended.html" in [t.name for t in response.templates]
    assert "Acme is suspended" in response.content.decode()


def test_suspended_tenant_api_answers_403_with_a_code(acme, acme_admin, acme_client, platform_superuser):
    tenant_suspend(tenant=acme, acting_user=platform_superuser, reason="Unpaid")
    acme_client.force_login(acme_admin)
    response = acme_client.get("/api/v1/tenant/")
    assert response.status_code == 403
    assert response.json()["code"] == "tenant_suspended"
    assert acme_client.get("/healthz").status_code in (200, 503)  # health stays reachable


def test_staff_keep_the_admin_while_a_tenant_is_suspended(acme, platform_client, platform_superuser):
    tenant_suspend(tenant=acme, acting_user=platform_superuser, reason="Unpaid")
    platform_client.force_login(platform_superuser)
    assert platform_client.get("/admin/tenancy/tenant/").status_code == 200
    assert platform_client.get(f"/admin/tenancy/tenant/{acme.pk}/change/").status_code == 200
    assert platform_client.get(f"/api/platform/v1/tenants/{acme.pk}/").json()["status"] == "suspended"


def test_other_tenants_are_unaffected(acme, globex, globex_member, globex_client, platform_superuser):
    tenant_suspend(tenant=acme, acting_user=platform_superuser, reason="Unpaid")
    globex_client.force_login(globex_member)
    assert globex_client.get("/api/v1/tenant/").status_code == 200


def test_archived_tenant_is_read_only(acme, acme_admin, acme_client, platform_superuser):
    tenant_archive(tenant=acme, acting_user=platform_superuser, reason="Contract ended")
    acme_client.force_login(acme_admin)
    assert acme_client.get("/manage/").status_code == 200
    assert acme_client.get("/api/v1/tenant/").status_code == 200
    response = acme_client.post("/api/v1/invitations/", {"email": "new@acme.test", "role": "member"})
    assert response.status_code == 403 and response.json()["code"] == "tenant_archived"
    page = acme_client.post("/manage/invitations/new/", {"email": "new@acme.test", "role": "member"})
    assert page.status_code == 403 and "read-only" in page.content.decode()


@pytest.mark.parametrize(("status", "http", "code"), [
    ("deleted", 404, "tenant_deleted"), ("provisioning", 503, "tenant_not_ready"),
    ("requested", 503, "tenant_not_ready"), ("failed", 503, "tenant_not_ready"),
])  # fmt: skip
def test_tenants_that_are_not_live_answer_a_clear_page(acme, acme_client, status, http, code):
    Tenant.objects.filter(pk=acme.pk).update(status=status, deleted_at=timezone.now())
    response = acme_client.get("/manage/")
    assert response.status_code == http
    assert "tenancy/unavailable.html" in [t.name for t in response.templates]
    assert acme_client.get("/api/v1/tenant/").json()["code"] == code
