"""Staff support console: support and super admins work tickets; billing_admin has no access."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.support.models import CannedResponse, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

QUEUE = "/admin/support/ticket/"


def change_url(ticket: Ticket) -> str:
    return f"{QUEUE}{ticket.pk}/change/"


def ok(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def support_client(platform_client, support_staff):
    platform_client.force_login(support_staff)
    return platform_client


def test_queue_filters_and_search(support_client, open_ticket, acme, globex, acme_admin):
    now = timezone.now()
    urgent = open_ticket(acme, acme_admin, priority="urgent", subject="Payroll down", now=now - timedelta(minutes=50))
    low = open_ticket(globex, None, priority="low", subject="Colour of button", now=now)
    page = ok(support_client.get(QUEUE))
    assert urgent.number in page and low.number in page
    assert low.number not in ok(support_client.get(QUEUE, {"priority__exact": "urgent"}))
    at_risk = ok(support_client.get(QUEUE, {"sla": "at_risk"}))
    assert urgent.number in at_risk and low.number not in at_risk
    assert urgent.number not in ok(support_client.get(QUEUE, {"sla": "breached"})).split('id="changelist"')[1]
    assert low.number in ok(support_client.get(QUEUE, {"q": "Colour"}))
    assert low.number in ok(support_client.get(QUEUE, {"q": low.number}))
    assert urgent.number not in ok(support_client.get(QUEUE, {"q": "globex"})).split('id="changelist"')[1]
    assert low.number in ok(support_client.get(QUEUE, {"assigned": "none", "status__exact": "open"}))


def test_queue_query_count_is_constant(
    support_client, open_ticket, acme, globex, acme_admin, support_staff, django_assert_max_num_queries
):
    from apps.support.services import ticket_assign

    for tenant in (acme, globex):
        ticket_assign(ticket=open_ticket(tenant, acme_admin), assignee=support_staff, acting_user=support_staff)
    with django_assert_max_num_queries(40) as captured:
        ok(support_client.get(QUEUE))
    few = len(captured)
    for tenant in (acme, globex, acme, globex):
        ticket_assign(ticket=open_ticket(tenant, acme_admin), assignee=support_staff, acting_user=support_staff)
    with django_assert_max_num_queries(few):
        ok(support_client.get(QUEUE))


def test_ticket_page_shows_plan_billing_and_marked_notes(support_client, acme_ticket, support_staff):
    from apps.support.services import ticket_note_add

    ticket_note_add(ticket=acme_ticket, body="Watch the invoice", acting_user=support_staff)
    page = ok(support_client.get(change_url(acme_ticket)))
    assert 'id="tenant-billing"' in page and "Past due" in page and "Subscription" in page
    assert "INTERNAL NOTE" in page and "Watch the invoice" in page
    assert 'id="reply-form"' in page


def test_the_desk_forms_are_not_nested_in_the_admin_form(support_client, acme_ticket):
    """A browser drops a <form> nested in another, and the reply then posts to the change view
    (found by the J5 browser journey): the reply, assign, status and priority forms stand alone."""
    page = ok(support_client.get(change_url(acme_ticket)))
    depth = deepest = 0
    for closing in re.findall(r"<(/?)form\b", page):
        depth += -1 if closing else 1
        deepest = max(deepest, depth)
    assert deepest == 1 and depth == 0


def test_support_replies_with_canned_response_adds_note_assigns_and_sets_status(
    support_client, acme_ticket, support_staff, django_capture_on_commit_callbacks
):
    canned = CannedResponse.objects.create(title="Looking", body="Hi {requester}, we are looking at {number}.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = support_client.post(
            f"{QUEUE}{acme_ticket.pk}/reply/", {"canned": canned.pk, "body": "More soon.", "status": "in_progress"}
        )
    assert response.status_code == 302
    reply = TicketMessage.objects.get(ticket=acme_ticket)
    assert acme_ticket.number in reply.body and reply.body.endswith("More soon.") and reply.from_staff
    assert [m.to for m in mail.outbox] == [["admin@acme.test"]]
    support_client.post(f"{QUEUE}{acme_ticket.pk}/reply/", {"body": "internal", "internal": "on"})
    assert TicketMessage.objects.filter(ticket=acme_ticket, is_internal=True).count() == 1
    assert len(mail.outbox) == 1
    support_client.post(f"{QUEUE}{acme_ticket.pk}/assign/", {"assignee": support_staff.pk})
    support_client.post(f"{QUEUE}{acme_ticket.pk}/priority/", {"priority": "high"})
    acme_ticket.refresh_from_db()
    assert (acme_ticket.status, acme_ticket.assignee, acme_ticket.priority) == ("in_progress", support_staff, "high")
    assert acme_ticket.first_responded_at is not None
    page = ok(support_client.get(change_url(acme_ticket)))
    assert "Assignment and status history" in page and "In progress" in page


def test_invalid_transition_shows_an_error(support_client, acme_ticket):
    support_client.post(f"{QUEUE}{acme_ticket.pk}/status/", {"status": "closed"})
    response = support_client.post(f"{QUEUE}{acme_ticket.pk}/status/", {"status": "open"}, follow=True)
    assert "cannot become" in response.content.decode()


def test_superuser_works_tickets_and_sees_settings(platform_client, platform_superuser, acme_ticket):
    platform_client.force_login(platform_superuser)
    ok(platform_client.get(change_url(acme_ticket)))
    for path in ("/admin/support/cannedresponse/", "/admin/support/slapolicy/"):
        ok(platform_client.get(path))
    assert platform_client.post(f"{QUEUE}{acme_ticket.pk}/reply/", {"body": "Root here"}).status_code == 302
    assert TicketMessage.objects.filter(body="Root here", from_staff=True).exists()


def test_billing_admin_is_refused(platform_client, billing_staff, acme_ticket):
    platform_client.force_login(billing_staff)
    assert platform_client.get(QUEUE).status_code == 403
    assert platform_client.get(change_url(acme_ticket)).status_code in (403, 302)
    assert platform_client.post(f"{QUEUE}{acme_ticket.pk}/reply/", {"body": "x"}).status_code == 403
    assert platform_client.post(f"{QUEUE}{acme_ticket.pk}/assign/", {"assignee": ""}).status_code == 403
    assert not TicketMessage.objects.exists()


def test_tenant_users_cannot_reach_the_admin(platform_client, acme_admin, acme_ticket):
    platform_client.force_login(acme_admin)
    response = platform_client.post(f"{QUEUE}{acme_ticket.pk}/reply/", {"body": "x", "internal": "on"})
    assert response.status_code in (302, 403, 404)
    assert not TicketMessage.objects.exists()


def test_ticket_page_shows_subscription_status_and_past_due_amount(support_client, acme, acme_ticket):
    from decimal import Decimal

    from apps.billing.models import Invoice, Subscription
    from apps.tenancy.models import Plan

    plan = Plan.objects.update_or_create(name="starter", defaults={"display_name": "Starter"})[0]
    now = timezone.now()
    subscription = Subscription.objects.create(
        tenant=acme,
        plan=plan,
        status="past_due",
        currency="AUD",
        current_period_start=now - timedelta(days=40),
        current_period_end=now - timedelta(days=10),
    )
    Invoice.objects.create(
        tenant=acme,
        subscription=subscription,
        status="open",
        sequence_number=990001,
        number="INV-990001",
        idempotency_key="support-test",
        total=Decimal("49.00"),
        amount_paid=Decimal("9.00"),
        due_at=now - timedelta(days=3),
    )
    page = ok(support_client.get(change_url(acme_ticket)))
    section = page.split('id="tenant-billing"')[1].split("</section>")[0]
    assert '<strong class="past-due">40.00 AUD</strong>' in section and "Plan: <strong>Starter</strong>" in section
    assert "Subscription: <strong>Past due</strong>" in section


def test_support_opens_a_ticket_for_a_tenant(support_client, acme, acme_admin, globex_member):
    assert 'id="open-form"' in ok(support_client.get(f"{QUEUE}open/"))
    data = {
        "tenant": acme.pk,
        "requester_email": globex_member.email,
        "subject": "Phoned in",
        "description": "By phone",
        "priority": "high",
        "category": "general",
    }
    assert "is not a member of" in ok(support_client.post(f"{QUEUE}open/", data))
    response = support_client.post(f"{QUEUE}open/", data | {"requester_email": acme_admin.email})
    ticket = Ticket.objects.get(subject="Phoned in")
    assert response.status_code == 302 and ticket.tenant == acme and ticket.requester == acme_admin
    assert ticket.number.startswith("TKT-") and ticket.first_response_due_at is not None
    support_client.post(f"{QUEUE}open/", data | {"requester_email": "", "subject": "Nobody asked"})
    assert Ticket.objects.get(subject="Nobody asked").requester is None


def test_billing_admin_cannot_open_tickets(platform_client, billing_staff, acme):
    platform_client.force_login(billing_staff)
    assert platform_client.get(f"{QUEUE}open/").status_code == 403
