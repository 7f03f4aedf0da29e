"""Host routing: the platform domain, tenant domains and unknown hosts each get their own surface."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_platform_domain_serves_the_staff_admin_login(platform_client):
    # The admin login is allauth's (so it has the MFA stage), branded with the product's name.
    response = platform_client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=%2Fadmin%2F")
    assert response.status_code == 200
    assert b"NIDIA Flow Back Office" in response.content
    assert b'name="password"' in response.content


def test_platform_domain_serves_openapi_and_swagger(platform_client):
    schema = platform_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/platform/tenants/" in document["paths"]
    assert platform_client.get("/api/docs/").status_code == 200


def test_platform_domain_has_no_tenant_portal(platform_client):
    assert platform_client.get("/manage/").status_code == 404


def test_tenant_domain_portal_asks_for_login(acme_client):
    response = acme_client.get("/manage/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_tenant_domain_has_no_staff_admin(acme_client):
    assert acme_client.get("/admin/").status_code == 404


def test_tenant_api_has_its_own_schema_and_docs(acme_client):
    root = acme_client.get("/api/v1/")
    assert root.status_code == 200
    assert root.json()["tenant"] == "http://acme.localhost/api/v1/tenant/"
    schema = acme_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["info"]["title"] == "NIDIA Flow Tenant API"
    assert "/api/v1/tenant/" in schema["paths"]
    assert not any(path.startswith("/api/platform/") for path in schema["paths"])
    assert acme_client.get("/api/v1/docs/").status_code == 200


def test_unknown_host_gets_a_clear_404():
    response = Client(HTTP_HOST="nowhere.localhost").get("/manage/")
    assert response.status_code == 404
    assert "nowhere.localhost" in response.content.decode()


def test_unknown_host_api_gets_a_json_404():
    response = Client(HTTP_HOST="nowhere.localhost").get("/api/v1/")
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_host"


def test_template_schema_is_never_routed(template_tenant):
    from apps.tenancy.models import Domain

    Domain.objects.create(
        domain="template.localhost", tenant=template_tenant, is_primary=True, verification_status="verified"
    )
    assert Client(HTTP_HOST="template.localhost").get("/manage/").status_code == 404


def test_an_unverified_custom_domain_does_not_route_until_verified(acme):
    from apps.tenancy.models import Domain

    domain = Domain.objects.create(domain="portal.acme.example", tenant=acme, is_primary=False)
    assert Client(HTTP_HOST="portal.acme.example").get("/manage/").status_code == 404
    Domain.objects.filter(pk=domain.pk).update(verification_status="verified")
    assert Client(HTTP_HOST="portal.acme.example").get("/manage/").status_code == 302  # routes: asks for login
