"""Portal webhook pages (/manage/webhooks/): tenant admins only; another tenant's ids are 404."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.webhooks.models import WebhookDelivery, WebhookEndpoint
from apps.webhooks.services import webhook_event_emit
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

LIST = "/manage/webhooks/"
NEW = "/manage/webhooks/new/"


def detail(endpoint) -> str:
    return f"/manage/webhooks/{endpoint.uuid}/"


@pytest.fixture
def admin_client(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    return acme_client


@pytest.fixture
def globex_admin_client(globex_client, globex):
    user = MembershipFactory(tenant=globex, role="tenant_admin", user__email="admin@globex.test").user
    globex_client.force_login(user)
    return globex_client


def test_create_shows_the_secret_once(admin_client, acme, receiver):
    response = admin_client.post(
        NEW, {"url": receiver.url("/p"), "description": "ERP", "enabled_events": ["invoice.paid", "ticket.created"]}
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(tenant=acme)
    page = response.content.decode()
    assert "whsec_" in page and "not shown again" in page
    assert endpoint.enabled_events == ["invoice.paid", "ticket.created"]
    # The whole secret is shown once, on the create page; the detail page only has its hint.
    shown = re.search(r"whsec_[A-Za-z0-9_-]{16,}", page)
    assert shown is not None
    secret_page = admin_client.get(detail(endpoint)).content.decode()
    assert shown.group(0) not in secret_page
    assert endpoint.secret_hint in secret_page and page.count(endpoint.secret_hint) >= 1


def test_create_refuses_bad_urls_with_a_form_error(settings, admin_client):
    settings.WEBHOOKS_ALLOW_HTTP = False
    response = admin_client.post(NEW, {"url": "http://example.com/", "enabled_events": ["invoice.paid"]})
    assert response.status_code == 400 and "Webhook URLs must use HTTPS." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_list_detail_edit_rotate_test_disable_and_replay(
    admin_client, acme, acme_endpoint, receiver, django_capture_on_commit_callbacks
):
    assert "Acme ERP" in admin_client.get(LIST).content.decode()
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={"n": 1})
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(detail(acme_endpoint)).content.decode()
    assert "invoice.paid" in page and len(queries) < 20
    response = admin_client.post(
        f"{detail(acme_endpoint)}edit/",
        {"url": receiver.url("/new"), "description": "x", "enabled_events": ["invoice.issued"]},
    )
    assert response.status_code == 302
    acme_endpoint.refresh_from_db()
    assert acme_endpoint.url.endswith("/new") and acme_endpoint.enabled_events == ["invoice.issued"]
    rotated = admin_client.post(f"{detail(acme_endpoint)}rotate/", {"overlap_hours": 12}).content.decode()
    assert "whsec_" in rotated and "previous secret also signs" in rotated
    with django_capture_on_commit_callbacks():
        assert admin_client.post(f"{detail(acme_endpoint)}test/").status_code == 302
    assert WebhookDelivery.objects.filter(event__type="webhook.test").count() == 1
    delivery = WebhookDelivery.objects.filter(event__type="invoice.paid").get()
    assert "Replay" in admin_client.get(f"/manage/webhooks/deliveries/{delivery.uuid}/").content.decode()
    with django_capture_on_commit_callbacks():
        response = admin_client.post(f"/manage/webhooks/deliveries/{delivery.uuid}/replay/")
    replay = WebhookDelivery.objects.get(replay_of=delivery)
    assert response["Location"].endswith(f"/deliveries/{replay.uuid}/")
    admin_client.post(f"{detail(acme_endpoint)}disable/")
    acme_endpoint.refresh_from_db()
    assert not acme_endpoint.enabled
    admin_client.post(f"{detail(acme_endpoint)}delete/")
    assert not WebhookEndpoint.objects.filter(pk=acme_endpoint.pk).exists()


def test_member_is_refused_everywhere(acme_client, acme_member, acme_endpoint):
    acme_client.force_login(acme_member)
    for url in [LIST, NEW, detail(acme_endpoint), f"{detail(acme_endpoint)}edit/"]:
        assert acme_client.get(url).status_code == 403, url
    for url in [f"{detail(acme_endpoint)}test/", f"{detail(acme_endpoint)}rotate/", f"{detail(acme_endpoint)}delete/"]:
        assert acme_client.post(url).status_code == 403, url
    assert WebhookEndpoint.objects.filter(pk=acme_endpoint.pk).exists()


def test_another_tenants_admin_gets_404_and_sees_nothing(globex_admin_client, acme, acme_endpoint):
    assert "Acme ERP" not in globex_admin_client.get(LIST).content.decode()
    assert globex_admin_client.get(detail(acme_endpoint)).status_code == 404
    for action in ["edit/", "test/", "rotate/", "disable/", "delete/"]:
        assert globex_admin_client.post(f"{detail(acme_endpoint)}{action}", {"overlap_hours": 1}).status_code == 404
    webhook_event_emit(tenant=acme, event_type="invoice.paid", payload={})
    delivery = WebhookDelivery.objects.get()
    assert globex_admin_client.get(f"/manage/webhooks/deliveries/{delivery.uuid}/").status_code == 404
    assert globex_admin_client.post(f"/manage/webhooks/deliveries/{delivery.uuid}/replay/").status_code == 404
    acme_endpoint.refresh_from_db()
    assert acme_endpoint.enabled and WebhookDelivery.objects.count() == 1


def test_anonymous_is_sent_to_login(acme_client):
    response = acme_client.get(LIST)
    assert response.status_code == 302 and "login" in response["Location"]


def test_nav_entry_for_admins_only(acme_client, acme_admin, acme_member):
    acme_client.force_login(acme_member)
    assert LIST not in acme_client.get("/manage/").content.decode()
    acme_client.force_login(acme_admin)
    assert LIST in acme_client.get("/manage/").content.decode()
