"""Tenant API /api/v1/webhooks/: tenant admins only (members 403, API keys 403, other tenants 404)."""

import pytest

from apps.webhooks.models import WebhookDelivery, WebhookEndpoint
from apps.webhooks.services import webhook_event_emit
from apps.webhooks.signing import signature_verify
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhooks/endpoints/"
DELIVERIES = "/api/v1/webhooks/deliveries/"


@pytest.fixture
def admin_client(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    return acme_client


def test_crud_with_secret_shown_once(admin_client, acme, receiver):
    created = admin_client.post(
        ENDPOINTS,
        {"url": receiver.url("/api"), "enabled_events": ["invoice.paid"], "description": "API"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["enabled"] is True
    one = admin_client.get(f"{ENDPOINTS}{body['id']}/").json()
    assert "secret" not in one and one["secret_hint"] == body["secret"][:10]
    assert [e["id"] for e in admin_client.get(ENDPOINTS).json()["results"]] == [body["id"]]
    patched = admin_client.patch(
        f"{ENDPOINTS}{body['id']}/", {"enabled": False, "description": "off"}, content_type="application/json"
    ).json()
    assert patched["enabled"] is False and patched["description"] == "off"
    assert admin_client.delete(f"{ENDPOINTS}{body['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.filter(tenant=acme).exists()


def test_bad_input_is_a_coded_400(settings, admin_client):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    response = admin_client.post(
        ENDPOINTS, {"url": "https://127.0.0.1/x", "enabled_events": ["invoice.paid"]}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "url_private_address"
    response = admin_client.post(
        ENDPOINTS, {"url": "https://example.com/", "enabled_events": ["nope"]}, content_type="application/json"
    )
    assert response.status_code == 400 and "enabled_events" in response.json()["errors"]


def test_rotate_test_and_replay(admin_client, acme, acme_endpoint, receiver, django_capture_on_commit_callbacks):
    rotated = admin_client.post(
        f"{ENDPOINTS}{acme_endpoint.uuid}/rotate-secret/", {"overlap_hours": 2}, content_type="application/json"
    ).json()
    assert rotated["secret"].startswith("whsec_") and rotated["previous_secret_expires_at"]
    with django_capture_on_commit_callbacks():
        test = admin_client.post(f"{ENDPOINTS}{acme_endpoint.uuid}/test/")
    assert test.status_code == 202 and test.json()["event_type"] == "webhook.test"
    from apps.webhooks.delivery import delivery_send

    delivery = WebhookDelivery.objects.get(uuid=test.json()["id"])
    assert delivery_send(delivery.pk) == "succeeded"
    request = receiver.requests[0]
    header = request["headers"]["X-NidiaFlow-Signature"]
    assert signature_verify(header=header, body=request["body"], secret=rotated["secret"])
    assert signature_verify(header=header, body=request["body"], secret=acme_endpoint.plain_secret)
    detail = admin_client.get(f"{DELIVERIES}{delivery.uuid}/").json()
    assert detail["status"] == "succeeded" and detail["attempts"][0]["status_code"] == 200
    with django_capture_on_commit_callbacks():
        replay = admin_client.post(f"{DELIVERIES}{delivery.uuid}/replay/")
    assert replay.status_code == 202 and replay.json()["replay_of"] == str(delivery.uuid)
    listed = admin_client.get(DELIVERIES, {"endpoint": str(acme_endpoint.uuid), "status": "pending"}).json()
    assert [d["id"] for d in listed["results"]] == [replay.json()["id"]]


def test_delivery_list_has_constant_queries(admin_client, acme, acme_endpoint, django_assert_max_num_queries):
    for _ in range(5):
        webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    with django_assert_max_num_queries(8):
        assert len(admin_client.get(DELIVERIES).json()["results"]) == 5


def test_member_and_a_key_without_the_webhooks_scope_are_refused(acme_client, acme_member, acme_admin, acme_endpoint):
    from django_tenants.utils import tenant_context

    from apps.integrations.services import api_key_create
    from apps.integrations.tests.conftest import api_key_header

    acme_client.force_login(acme_member)
    response = acme_client.get(ENDPOINTS)
    assert response.status_code == 403 and response.json()["code"] == "tenant_admin_required"
    acme_client.logout()
    with tenant_context(acme_endpoint.tenant):
        _, raw = api_key_create(name="probe", scopes=["tenant:read"], acting_user=acme_admin)
        _, reader = api_key_create(name="reader", scopes=["webhooks:read"], acting_user=acme_admin)
    response = acme_client.get(ENDPOINTS, **api_key_header(raw))
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    response = acme_client.post(ENDPOINTS, {"url": "https://example.com/hook", "enabled_events": ["invoice.paid"]},
                                content_type="application/json", **api_key_header(reader))  # fmt: skip
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_an_integrator_key_manages_its_tenants_endpoints_only(
    acme_client, globex_client, acme, globex, acme_admin, acme_endpoint, receiver
):
    """Integrators register their own receivers with an API key (webhooks:write); the key is the actor
    in the audit trail, and it never sees another tenant's endpoints."""
    from django_tenants.utils import tenant_context

    from apps.audit.models import AuditEvent
    from apps.integrations.services import api_key_create
    from apps.integrations.tests.conftest import api_key_header

    with tenant_context(acme):
        key, raw = api_key_create(name="erp", scopes=["webhooks:read", "webhooks:write"], acting_user=acme_admin)
    headers = api_key_header(raw)
    created = acme_client.post(ENDPOINTS, {"url": receiver.url("/erp"), "enabled_events": ["invoice.paid"]},
                               content_type="application/json", **headers)  # fmt: skip
    assert created.status_code == 201, created.content
    listed = acme_client.get(ENDPOINTS, **headers).json()["results"]
    assert {row["url"] for row in listed} == {receiver.url("/erp"), acme_endpoint.url}
    event = AuditEvent.objects.filter(tenant=acme, action__startswith="webhooks.endpoint").latest("id")
    assert event.actor_id is None and event.actor_label == f"api-key:{key.prefix}"
    assert globex_client.get(ENDPOINTS, **headers).status_code in (401, 403)  # acme's key is not globex's


def test_another_tenant_gets_404_and_an_empty_list(globex_client, globex, acme, acme_endpoint):
    user = MembershipFactory(tenant=globex, role="tenant_admin", user__email="admin2@globex.test").user
    globex_client.force_login(user)
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    delivery = WebhookDelivery.objects.get()
    assert globex_client.get(ENDPOINTS).json()["results"] == []
    assert globex_client.get(DELIVERIES).json()["results"] == []
    assert globex_client.get(f"{ENDPOINTS}{acme_endpoint.uuid}/").status_code == 404
    assert (
        globex_client.patch(
            f"{ENDPOINTS}{acme_endpoint.uuid}/", {"enabled": False}, content_type="application/json"
        ).status_code
        == 404
    )
    assert globex_client.delete(f"{ENDPOINTS}{acme_endpoint.uuid}/").status_code == 404
    assert globex_client.post(f"{ENDPOINTS}{acme_endpoint.uuid}/test/").status_code == 404
    assert globex_client.get(f"{DELIVERIES}{delivery.uuid}/").status_code == 404
    assert globex_client.post(f"{DELIVERIES}{delivery.uuid}/replay/").status_code == 404
    assert globex_client.get(DELIVERIES, {"endpoint": str(acme_endpoint.uuid)}).status_code == 404
    acme_endpoint.refresh_from_db()
    assert acme_endpoint.enabled
