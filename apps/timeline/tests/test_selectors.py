"""timeline_page: merge order, filters, keyset pagination, constant query count, tenant slice."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.billing.models import Payment
from apps.tenancy.models import ProvisioningJob, ProvisioningStep
from apps.timeline.selectors import cursor_decode, timeline_page

from .conftest import minutes

pytestmark = pytest.mark.django_db

EVENTS = ["audit", "auth", "provisioning", "billing"]


def keys(page):
    return [(entry.source, entry.id) for entry in page.entries]


def test_merges_sources_newest_first(acme, acme_admin, audit_at, auth_at):
    audit = audit_at(acme, minutes(1), user=acme_admin)
    auth = auth_at(acme, minutes(3), user=acme_admin)
    job = ProvisioningJob.objects.create(tenant=acme, status="succeeded", requested_by=acme_admin)
    step = ProvisioningStep.objects.create(job=job, name="create_schema", position=1, status="succeeded",
                                           started_at=minutes(0), finished_at=minutes(2))  # fmt: skip
    payment = Payment.objects.create(tenant=acme, amount=Decimal("49.00"), currency="AUD", status="succeeded",
                                     idempotency_key="tl-pay-1")  # fmt: skip
    page = timeline_page(tenant=acme, kinds=EVENTS, until=minutes(10))
    ours = [key for key in keys(page) if key in {("auth", auth.pk), ("provisioning", step.pk), ("audit", audit.pk)}]
    assert ours == [("auth", auth.pk), ("provisioning", step.pk), ("audit", audit.pk)]
    assert [e.timestamp for e in page.entries] == sorted((e.timestamp for e in page.entries), reverse=True)
    # The payment is "now" (after `until`): excluded by the date filter, present without it.
    assert ("payment", payment.pk) not in keys(page)
    assert ("payment", payment.pk) in keys(timeline_page(tenant=acme, kinds=["billing"]))
    by_key = {(e.source, e.id): e for e in page.entries}
    assert by_key[("auth", auth.pk)].actor_label == acme_admin.email
    assert by_key[("auth", auth.pk)].detail == "IP 198.51.100.7"  # staff see the IP


def test_filters_kind_actor_dates_and_correlation(acme, acme_admin, acme_member, audit_at, auth_at):
    a1 = audit_at(acme, minutes(1), user=acme_admin, correlation_id="req-1")
    a2 = audit_at(acme, minutes(2), user=acme_member)
    l1 = auth_at(acme, minutes(3), user=acme_admin, correlation_id="req-1")
    window = {"since": minutes(0), "until": minutes(10)}
    assert keys(timeline_page(tenant=acme, kinds=["auth"], **window)) == [("auth", l1.pk)]
    assert keys(timeline_page(tenant=acme, kinds=EVENTS, actor=acme_member.pk, **window)) == [("audit", a2.pk)]
    assert keys(timeline_page(tenant=acme, kinds=EVENTS, since=minutes(2), until=minutes(3))) == [("audit", a2.pk)]
    related = timeline_page(tenant=acme, correlation_id="req-1")
    assert keys(related) == [("auth", l1.pk), ("audit", a1.pk)]
    assert all(entry.related == 2 for entry in related.entries)


def test_keyset_pages_continue_exactly_with_identical_timestamps(acme, audit_at, auth_at):
    same = minutes(5)
    for _ in range(7):
        audit_at(acme, same)
    for _ in range(5):
        auth_at(acme, same)
    audit_at(acme, minutes(4))
    window = {"kinds": ["audit", "auth"], "since": minutes(0), "until": minutes(10)}
    everything = keys(timeline_page(tenant=acme, limit=200, **window))
    assert len(everything) == 13
    seen, cursor, pages = [], None, 0
    while True:
        page = timeline_page(tenant=acme, limit=3, cursor=cursor, **window)
        seen += keys(page)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == everything and len(set(seen)) == 13 and pages == 5
    # Same timestamp: ordered by source then id, descending.
    assert seen[:7] == sorted(seen[:7], reverse=True) and {s for s, _ in seen[:5]} == {"auth"}


def test_query_count_is_the_same_on_the_first_and_a_deep_page(acme, audit_at, auth_at):
    for n in range(30):
        audit_at(acme, minutes(n))
        auth_at(acme, minutes(n))
    first_page = timeline_page(tenant=acme, limit=5)
    with CaptureQueriesContext(connection) as first:
        timeline_page(tenant=acme, limit=5)
    cursor = first_page.next_cursor
    for _ in range(8):
        cursor = timeline_page(tenant=acme, limit=5, cursor=cursor).next_cursor
    with CaptureQueriesContext(connection) as deep:
        timeline_page(tenant=acme, limit=5, cursor=cursor)
    assert len(first) == len(deep)
    assert not any("COUNT(" in q["sql"].upper() for q in deep.captured_queries)


def test_tenant_isolation_and_tenant_slice(acme, globex, acme_admin, platform_superuser, audit_at, auth_at):
    mine = audit_at(acme, minutes(1), user=acme_admin)
    theirs = audit_at(globex, minutes(2))
    staff_look = audit_at(acme, minutes(3), action="tenant.data_viewed", user=platform_superuser)
    staff_login = auth_at(acme, minutes(4), user=platform_superuser)
    staff_change = audit_at(acme, minutes(5), action="tenant.plan_changed", user=platform_superuser)
    staff_view = keys(timeline_page(tenant=acme, limit=200))
    assert ("audit", theirs.pk) not in staff_view
    assert {("audit", mine.pk), ("audit", staff_look.pk), ("auth", staff_login.pk)} <= set(staff_view)
    assert any(source == "history_tenant" for source, _ in staff_view)  # acme's Tenant row history
    tenant_page = timeline_page(tenant=acme, audience="tenant", limit=200)
    tenant_view = keys(tenant_page)
    assert ("audit", mine.pk) in tenant_view and ("audit", theirs.pk) not in tenant_view
    assert ("audit", staff_look.pk) not in tenant_view and ("auth", staff_login.pk) not in tenant_view
    assert not any(source == "history_tenant" for source, _ in tenant_view)
    entry = next(e for e in tenant_page.entries if (e.source, e.id) == ("audit", staff_change.pk))
    assert entry.actor_label == "Platform staff" and entry.link == "" and "IP" not in entry.detail
    assert ("audit", mine.pk) not in keys(timeline_page(tenant=globex, limit=200))


def test_tenant_schema_history_is_in_the_timeline(acme, acme_root):
    sources = {entry.source for entry in timeline_page(tenant=acme, kinds=["history"], limit=200).entries}
    assert "history_entity" in sources


def test_a_tampered_cursor_is_a_validation_error(acme):
    with pytest.raises(ValidationError):
        timeline_page(tenant=acme, cursor="not-a-cursor")
    with pytest.raises(ValidationError):
        cursor_decode("")


def test_support_tickets_and_replies_but_tenants_never_see_internal_notes(acme, acme_admin, support_staff):
    support = pytest.importorskip("apps.support.models")
    ticket = support.Ticket.objects.create(tenant=acme, number="TKT-TL0001", requester=acme_admin, subject="Printer",
                                           description="It jams.", created_at=minutes(1))  # fmt: skip
    message = support.TicketMessage.objects.create
    reply = message(ticket=ticket, author=support_staff, body="On it.", from_staff=True, created_at=minutes(2))
    note = message(ticket=ticket, author=support_staff, body="Customer is grumpy.", is_internal=True,
                   from_staff=True, created_at=minutes(3))  # fmt: skip
    window = {"kinds": ["support"], "since": minutes(0), "until": minutes(10)}
    staff = timeline_page(tenant=acme, **window)
    assert keys(staff) == [("ticket_message", note.pk), ("ticket_message", reply.pk), ("ticket", ticket.pk)]
    tenant = timeline_page(tenant=acme, audience="tenant", **window)
    assert keys(tenant) == [("ticket_message", reply.pk), ("ticket", ticket.pk)]
    assert tenant.entries[0].actor_label == "Platform staff" and tenant.entries[1].actor_label == acme_admin.email


def test_the_tenant_slice_hides_the_audit_trail_of_internal_notes_and_assignments(acme, acme_admin, support_staff):
    """Through the real services: the tenant sees the ticket and the public reply in its audit trail, never
    that an internal note was written or who on staff it was assigned to."""
    from apps.support.services import ticket_assign, ticket_note_add, ticket_open, ticket_reply

    ticket = ticket_open(tenant=acme, subject="Slow exports", priority="high", category="technical",
                         description="Slow.", acting_user=acme_admin, requester=acme_admin)  # fmt: skip
    ticket_assign(ticket=ticket, assignee=support_staff, acting_user=support_staff)
    ticket_reply(ticket=ticket, body="Looking.", acting_user=support_staff, from_staff=True)
    ticket_note_add(ticket=ticket, body="Grumpy customer.", acting_user=support_staff)

    def actions(audience: str) -> set[str]:
        page = timeline_page(tenant=acme, audience=audience, kinds=["audit"], limit=50)
        return {entry.summary.split(" ")[0] for entry in page.entries}

    staff, tenant = actions("staff"), actions("tenant")
    assert {"support.ticket_note_added", "support.ticket_assigned"} <= staff
    assert "support.ticket_opened" in tenant and "support.ticket_replied" in tenant
    assert not {"support.ticket_note_added", "support.ticket_assigned"} & tenant


def test_staff_see_the_real_client_ip_behind_the_audit_pseudonym_and_tenants_see_none(acme, acme_admin):
    from apps.audit.services import audit_record

    event = audit_record(action="member.viewed", acting_user=acme_admin, tenant=acme, ip_address="203.0.113.7")
    assert event.ip_address is None and event.ip_pseudonym.startswith("pii:")  # stored pseudonymised
    staff = timeline_page(tenant=acme, kinds=["audit"], limit=5)
    [entry] = [e for e in staff.entries if e.summary.startswith("member.viewed")]
    assert entry.detail == "IP 203.0.113.7"
    tenant = timeline_page(tenant=acme, audience="tenant", kinds=["audit"], limit=5)
    assert all("203.0.113.7" not in e.detail and "pii:" not in e.detail for e in tenant.entries)
