"""Tenant API support endpoints: tenant admins only, own tickets only, public messages only."""

import pytest

from apps.integrations.tests.conftest import api_key_header
from apps.support import services
from apps.support.models import Ticket, TicketMessage
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/support/tickets/"


def messages_url(ticket: Ticket) -> str:
    return f"{TICKETS}{ticket.number}/messages/"


@pytest.fixture
def admin_client(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    return acme_client


@pytest.fixture
def make_key(acme_admin):
    from django_tenants.utils import tenant_context

    from apps.integrations.services import api_key_create

    def _make(tenant, scopes):
        with tenant_context(tenant):
            return api_key_create(name="Support probe", scopes=list(scopes), acting_user=acme_admin)

    return _make


def test_create_list_retrieve(admin_client, acme):
    response = admin_client.post(
        TICKETS,
        {"subject": "API ticket", "description": "Via API", "priority": "urgent", "category": "technical"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("TKT-") and body["status"] == "open" and body["sla_state"] == "ok"
    assert body["requester"] == "admin@acme.test"
    listed = admin_client.get(TICKETS).json()
    assert [t["number"] for t in listed["results"]] == [body["number"]]
    assert admin_client.get(f"{TICKETS}{body['number']}/").json()["subject"] == "API ticket"


def test_invalid_priority_is_400(admin_client):
    response = admin_client.post(
        TICKETS, {"subject": "x", "description": "y", "priority": "whenever"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_choice"


def test_messages_are_public_only_and_reply(admin_client, acme_ticket, support_staff):
    services.ticket_reply(ticket=acme_ticket, body="Staff answer", acting_user=support_staff, from_staff=True)
    services.ticket_note_add(ticket=acme_ticket, body="SECRET-NOTE", acting_user=support_staff)
    response = admin_client.get(messages_url(acme_ticket))
    assert response.status_code == 200
    assert "SECRET-NOTE" not in response.content.decode()
    assert [m["body"] for m in response.json()["results"]] == ["Staff answer"]
    assert response.json()["results"][0]["author"] == "Support"
    created = admin_client.post(
        messages_url(acme_ticket), {"body": "Thanks", "is_internal": True}, content_type="application/json"
    )
    assert created.status_code == 201
    assert not TicketMessage.objects.get(pk=created.json()["id"]).is_internal
    assert "SECRET-NOTE" not in admin_client.get(f"{TICKETS}{acme_ticket.number}/").content.decode()


def test_reply_to_closed_ticket_is_400(admin_client, acme_ticket, support_staff):
    services.ticket_status_set(ticket=acme_ticket, status="closed", acting_user=support_staff)
    response = admin_client.post(messages_url(acme_ticket), {"body": "hello?"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "ticket_closed"


def test_other_tenant_gets_404(globex_client, globex, acme_ticket):
    admin = MembershipFactory(tenant=globex, role="tenant_admin", user__email="admin@globex.test").user
    globex_client.force_login(admin)
    assert globex_client.get(f"{TICKETS}{acme_ticket.number}/").status_code == 404
    assert globex_client.get(messages_url(acme_ticket)).status_code == 404
    assert (
        globex_client.post(messages_url(acme_ticket), {"body": "x"}, content_type="application/json").status_code == 404
    )
    assert globex_client.get(TICKETS).json()["results"] == []


@pytest.mark.parametrize("kind", ["list", "messages"])
def test_members_outsiders_anonymous_and_api_keys_are_refused(
    acme_client, acme, acme_member, globex_member, acme_ticket, make_key, kind
):
    path = TICKETS if kind == "list" else messages_url(acme_ticket)
    assert acme_client.get(path).status_code in (401, 403)
    _, raw = make_key(acme, ["tenant:read"])
    response = acme_client.get(path, **api_key_header(raw))
    assert response.status_code == 403 and response.json()["code"] == "api_key_not_allowed"
    acme_client.force_login(acme_member)
    response = acme_client.get(path)
    assert response.status_code == 403 and response.json()["code"] == "tenant_admin_required"
    acme_client.force_login(globex_member)
    assert acme_client.get(path).status_code == 403


def test_list_queries_do_not_grow(admin_client, open_ticket, acme, acme_admin, django_assert_max_num_queries):
    for _ in range(2):
        open_ticket(acme, acme_admin)
    with django_assert_max_num_queries(20) as captured:
        admin_client.get(TICKETS)
    few = len(captured)
    for _ in range(5):
        open_ticket(acme, acme_admin)
    with django_assert_max_num_queries(few):
        assert len(admin_client.get(TICKETS).json()["results"]) == 7
