"""The portal home page: what needs the admin's attention, one block per app (PortalHomeBlock)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.billing.models import SubscriptionStatus
from apps.core.contributions import PortalHomeBlock, contributions
from apps.invitations.services import invitation_create
from apps.support.models import TicketStatus
from apps.support.services import ticket_open
from apps.webhooks.models import WebhookEndpoint
from apps.webhooks.services import webhook_endpoint_create
from tests.factories import MembershipFactory


def blocks(response):
    return {block["name"]: block["context"] for block in response.context["home_blocks"]}


def test_the_apps_contribute_their_blocks():
    names = [block.name for block in contributions(PortalHomeBlock)]
    assert names[:5] == ["billing", "invitations", "seats", "support", "webhooks"]


def test_with_nothing_to_do_the_admin_sees_calm_empty_states(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    response = acme_client.get("/manage/")
    assert response.status_code == 200
    found = blocks(response)
    assert "webhooks" not in found  # no endpoint: no block
    assert found["invitations"]["empty"] and found["support"]["empty"]
    html = response.content.decode()
    assert "All clear" in html
    assert "No invitations waiting for an answer." in html
    assert "No open tickets." in html
    assert "No subscription yet." in html


def test_the_admin_sees_what_needs_attention(acme_client, acme_admin, acme, acme_subscription, receiver):
    acme_subscription.status = SubscriptionStatus.PAST_DUE
    acme_subscription.save(update_fields=["status"])
    invitation_create(tenant=acme, email="new@acme.test", role="member", acting_user=acme_admin)
    ticket = ticket_open(tenant=acme, subject="Export fails", description="…", acting_user=acme_admin)
    ticket.status = TicketStatus.WAITING_ON_CUSTOMER
    ticket.save(update_fields=["status"])
    endpoint, _ = webhook_endpoint_create(tenant=acme, url=receiver.url("/erp"), enabled_events=["invoice.paid"],
                                          acting_user=acme_admin)  # fmt: skip
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=4)
    acme.max_users = 2
    acme.save(update_fields=["max_users"])

    acme_client.force_login(acme_admin)
    response = acme_client.get("/manage/")
    found = blocks(response)
    assert found["billing"]["problems"] == ["Your subscription is past due."]
    assert found["invitations"]["pending"] == 1
    assert found["support"] == {**found["support"], "open": 1, "waiting": 1}
    assert found["webhooks"]["failing"] == 1 and found["webhooks"]["endpoints"] == [endpoint]
    assert found["seats"]["used"] == 1 and found["seats"]["limit"] == 2
    html = response.content.decode()
    assert "Needs your attention" in html
    assert "Your subscription is past due." in html
    assert "1 waiting for your answer" in html and ticket.number in html
    assert "4 failures in a row" in html
    assert 'id="home-billing"' in html and "needs-attention" in html


def test_trial_days_left(acme_client, acme_admin, acme_subscription):
    acme_subscription.status = SubscriptionStatus.TRIALING
    acme_subscription.trial_end = timezone.now() + dt.timedelta(days=5, hours=2)
    acme_subscription.save(update_fields=["status", "trial_end"])
    acme_client.force_login(acme_admin)
    response = acme_client.get("/manage/")
    assert blocks(response)["billing"]["trial_days_left"] == 6  # a part-day counts
    assert "of trial left" in response.content.decode()


def test_a_member_sees_no_admin_block(acme_client, acme_member, acme_admin, acme):
    invitation_create(tenant=acme, email="new@acme.test", role="member", acting_user=acme_admin)
    acme_client.force_login(acme_member)
    response = acme_client.get("/manage/")
    assert response.status_code == 200
    # Only the blocks meant for every member (their own notifications), none of the admin's.
    assert [block["name"] for block in response.context["home_blocks"]] == ["notifications"]
    assert "new@acme.test" not in response.content.decode()


def test_another_tenants_rows_never_count(acme_client, acme_admin, globex, globex_member):
    ticket_open(tenant=globex, subject="Globex only", description="…", acting_user=globex_member)
    acme_client.force_login(acme_admin)
    assert blocks(acme_client.get("/manage/"))["support"]["open"] == 0


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/manage/").status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_home_page_query_count_does_not_grow_with_the_rows(acme_client, acme_admin, acme, receiver):
    acme.max_users = 100
    acme.save(update_fields=["max_users"])
    acme_client.force_login(acme_admin)

    def add_rows(n: int, tag: str) -> None:
        for i in range(n):
            invitation_create(tenant=acme, email=f"{tag}{i}@acme.test", role="member", acting_user=acme_admin)
            ticket = ticket_open(tenant=acme, subject=f"{tag} {i}", description="…", acting_user=acme_admin)
            ticket.status = TicketStatus.WAITING_ON_CUSTOMER
            ticket.save(update_fields=["status"])
            endpoint, _ = webhook_endpoint_create(tenant=acme, url=receiver.url(f"/{tag}{i}"),
                                                  enabled_events=["invoice.paid"], acting_user=acme_admin)  # fmt: skip
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False, disabled_at=timezone.now())
            MembershipFactory(tenant=acme, role="member")

    add_rows(1, "a")
    _home_queries(acme_client)  # warm caches (branding, menu)
    few = _home_queries(acme_client)
    add_rows(4, "b")
    many = _home_queries(acme_client)
    assert many == few
    assert few <= 30
