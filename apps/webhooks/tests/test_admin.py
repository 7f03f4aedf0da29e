"""Staff console: super admins see and act on every endpoint; support staff have no webhook permissions."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from apps.webhooks.models import WebhookDelivery, WebhookEndpoint
from apps.webhooks.services import webhook_event_emit

pytestmark = pytest.mark.django_db

ENDPOINTS = "/admin/webhooks/webhookendpoint/"
DELIVERIES = "/admin/webhooks/webhookdelivery/"
EVENTS = "/admin/webhooks/webhookevent/"


def test_superuser_sees_lists_filters_and_detail(
    platform_client, platform_superuser, acme, acme_endpoint, globex_endpoint
):
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    delivery = WebhookDelivery.objects.get()
    platform_client.force_login(platform_superuser)
    page = platform_client.get(ENDPOINTS, {"enabled__exact": "1"}).content.decode()
    assert "Acme ERP" in page and "Globex hook" in page
    assert platform_client.get(ENDPOINTS, {"tenant__id__exact": str(acme.pk)}).status_code == 200
    for params in [{}, {"status__exact": "pending"}, {"event__type__exact": "invoice.paid"}]:
        assert platform_client.get(DELIVERIES, params).status_code == 200
    assert platform_client.get(f"{DELIVERIES}{delivery.pk}/change/").status_code == 200
    assert platform_client.get(EVENTS).status_code == 200
    assert platform_client.get(f"{ENDPOINTS}{acme_endpoint.pk}/change/").status_code == 200


def test_superuser_adds_a_platform_endpoint_and_replays(
    platform_client, platform_superuser, acme, acme_endpoint, receiver, django_capture_on_commit_callbacks
):
    platform_client.force_login(platform_superuser)
    response = platform_client.post(
        f"{ENDPOINTS}add/",
        {"url": receiver.url("/platform"), "description": "Ops", "enabled_events": ["tenant.activated"], "tenant": ""},
        follow=True,
    )
    assert response.status_code == 200 and "shown once" in response.content.decode()
    assert WebhookEndpoint.objects.filter(tenant__isnull=True, description="Ops").exists()
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks():
        platform_client.post(DELIVERIES, {"action": "replay", ACTION_CHECKBOX_NAME: [delivery.pk]})
    assert WebhookDelivery.objects.filter(replay_of=delivery).exists()
    with django_capture_on_commit_callbacks():
        platform_client.post(ENDPOINTS, {"action": "send_test", ACTION_CHECKBOX_NAME: [acme_endpoint.pk]})
    assert WebhookDelivery.objects.filter(event__type="webhook.test").exists()


def test_support_reads_and_billing_staff_are_refused(platform_client, support_staff, billing_staff, acme_endpoint):
    """Support sees every endpoint and delivery (read-only) to answer tickets; billing staff see nothing."""
    platform_client.force_login(support_staff)
    for url in (ENDPOINTS, DELIVERIES, EVENTS, f"{ENDPOINTS}{acme_endpoint.pk}/change/"):
        assert platform_client.get(url).status_code == 200, url
    platform_client.post(ENDPOINTS, {"action": "send_test", ACTION_CHECKBOX_NAME: [acme_endpoint.pk]})
    assert not WebhookDelivery.objects.filter(event__type="webhook.test").exists()  # no write for support
    platform_client.force_login(billing_staff)
    for url in (ENDPOINTS, DELIVERIES, EVENTS, f"{ENDPOINTS}{acme_endpoint.pk}/change/"):
        assert platform_client.get(url).status_code in (302, 403), url
