"""Events other apps publish (apps.core.events) and webhooks turn into deliveries after commit:
invoice.issued / invoice.paid (billing), tenant status changes, tickets, payments, plans, members.

Tests run in a transaction that never commits: `django_capture_on_commit_callbacks(execute=True)`
plays the commit, as production does when the service's transaction commits."""

import json
import uuid

import pytest

from apps.billing.invoices import invoice_issue_for_period, invoice_mark_paid
from apps.billing.models import Payment
from apps.billing.tests.conftest import DEC_1, NOV_1
from apps.tenancy.lifecycle import tenant_reactivate, tenant_suspend
from apps.webhooks import delivery as worker
from apps.webhooks.models import WebhookDelivery, WebhookEvent
from apps.webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


def _send_all() -> None:
    for delivery_id in WebhookDelivery.objects.values_list("pk", flat=True):
        worker.delivery_send(delivery_id)


def test_issuing_and_paying_an_invoice_emit_signed_events(
    acme_subscription, acme_endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        invoice = invoice_issue_for_period(
            subscription=acme_subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1
        )[0]
    assert callbacks and not WebhookEvent.objects.exists()  # nothing is written before the commit
    for callback in callbacks:
        callback()
    payment = Payment.objects.create(
        tenant=invoice.tenant,
        invoice=invoice,
        amount=invoice.total,
        currency=invoice.currency,
        status="succeeded",
        provider="manual",
        idempotency_key=f"pay:{uuid.uuid4()}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice_mark_paid(invoice=invoice, payment=payment)
        invoice_mark_paid(invoice=invoice, payment=payment)  # idempotent: no second event
    assert list(WebhookEvent.objects.order_by("created_at").values_list("type", flat=True)) == [
        "invoice.issued",
        "invoice.paid",
    ]
    _send_all()
    bodies = [json.loads(request["body"]) for request in receiver.requests]
    assert sorted(body["type"] for body in bodies) == ["invoice.issued", "invoice.paid"]
    assert {body["data"]["number"] for body in bodies} == {invoice.number}


def test_a_rolled_back_invoice_emits_nothing(
    acme_subscription, acme_endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.billing import invoices

    def boom(invoice):
        raise RuntimeError("after the event was written")

    monkeypatch.setattr(invoices, "audit_record", lambda **kwargs: boom(None))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        invoice_issue_for_period(subscription=acme_subscription, period_start=NOV_1, period_end=DEC_1, now=NOV_1)
    assert not callbacks and not WebhookEvent.objects.exists()


def test_tenant_suspension_and_reactivation_reach_platform_endpoints(
    acme, platform_superuser, receiver, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(
        tenant=None,
        url=receiver.url("/platform"),
        acting_user=platform_superuser,
        enabled_events=["tenant.activated", "tenant.suspended"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        tenant_suspend(tenant=acme, acting_user=platform_superuser, reason="unpaid")
        tenant_reactivate(tenant=acme, acting_user=platform_superuser)
    assert list(WebhookEvent.objects.order_by("created_at").values_list("type", flat=True)) == [
        "tenant.suspended",
        "tenant.activated",
    ]
    _send_all()
    assert {json.loads(r["body"])["data"]["slug"] for r in receiver.requests} == {acme.slug}


def test_the_billing_run_batch_emits_issued_and_paid_for_every_listening_tenant(
    acme, globex, acme_endpoint, globex_endpoint, receiver, django_capture_on_commit_callbacks
):
    """The billing run renews and charges in batches (apps.billing.batch), not through invoice_finalise /
    invoice_mark_paid: its bulk emit gives each listening tenant the same events, and nobody else's."""
    from datetime import UTC, datetime, timedelta

    from apps.billing import run
    from apps.billing.tests.test_payments import billed, card_add, subscription_make

    for tenant in (acme, globex):
        billed(tenant)
        card_add(tenant)
        subscription_make(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        result = run.billing_run(now=datetime(2026, 4, 1, tzinfo=UTC) + timedelta(hours=1))
    assert result["issued"] == 2 and result["payments_succeeded"] == 2
    events = {(event.tenant_id, event.type) for event in WebhookEvent.objects.all()}
    # acme listens to issued and paid; globex to issued only.
    assert events == {(acme.pk, "invoice.issued"), (acme.pk, "invoice.paid"), (globex.pk, "invoice.issued")}
    assert set(WebhookDelivery.objects.values_list("endpoint_id", "tenant_id")) == {
        (acme_endpoint.pk, acme.pk), (globex_endpoint.pk, globex.pk)
    }  # fmt: skip
    _send_all()
    paths = sorted(request["path"] for request in receiver.requests)
    assert paths == ["/acme", "/acme", "/globex"]


def _events(tenant) -> list[tuple[str, dict]]:
    return [
        (event.type, event.payload) for event in WebhookEvent.objects.filter(tenant=tenant).order_by("created_at", "pk")
    ]


def test_support_tickets_emit_created_and_public_replies_but_never_internal_notes(
    acme, acme_admin, support_staff, acme_all_events_endpoint, django_capture_on_commit_callbacks
):
    from apps.support.services import ticket_note_add, ticket_open, ticket_reply

    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_open(tenant=acme, subject="Exports", priority="high", category="technical",
                             description="Slow.", acting_user=acme_admin, requester=acme_admin)  # fmt: skip
        ticket_reply(ticket=ticket, body="On it.", acting_user=support_staff, from_staff=True)
        ticket_note_add(ticket=ticket, body="SECRET internal note", acting_user=support_staff)
    events = _events(acme)
    assert [kind for kind, _ in events] == ["ticket.created", "ticket.replied"]
    assert events[1][1]["message"]["body"] == "On it." and "SECRET" not in json.dumps(events)


def test_a_declined_payment_emits_payment_failed(acme, acme_all_events_endpoint, django_capture_on_commit_callbacks):
    from apps.billing.payments import payment_attempt
    from apps.billing.tests.test_payments import billed, card_add, open_invoice, subscription_make

    billed(acme)
    card_add(acme, last4="0002")  # the simulated gateway's declined card
    invoice = open_invoice(subscription_make(acme))
    WebhookEvent.objects.all().delete()  # only what the payment sends
    with django_capture_on_commit_callbacks(execute=True):
        payment_attempt(invoice=invoice)
    [(_kind, payload)] = [event for event in _events(acme) if event[0] == "payment.failed"]
    assert payload["failure_code"] == "card_declined" and payload["attempt"] == 1
    assert payload["invoice"]["number"] == invoice.number and payload["next_attempt_at"]


def test_an_immediate_plan_change_emits_subscription_changed(
    acme_subscription, professional, platform_superuser, acme_all_events_endpoint, django_capture_on_commit_callbacks
):
    from apps.billing.services import change_apply
    from apps.billing.tests.conftest import NOV_16

    with django_capture_on_commit_callbacks(execute=True):
        change_apply(subscription=acme_subscription, plan=professional, acting_user=platform_superuser, now=NOV_16)
    [(_kind, payload)] = [event for event in _events(acme_subscription.tenant) if event[0] == "subscription.changed"]
    assert payload["plan"]["to"] == str(professional) and payload["kind"] == "plan"


def test_a_new_member_emits_member_joined_to_their_organisation_only(
    acme, globex, acme_admin, acme_all_events_endpoint, django_capture_on_commit_callbacks
):
    from apps.accounts.services import membership_create
    from tests.factories import UserFactory

    user = UserFactory(email="newcomer@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        membership_create(user=user, tenant=acme, role="member", acting_user=acme_admin)
        membership_create(user=UserFactory(email="other@globex.test"), tenant=globex, role="member", acting_user=None)
    [(kind, payload)] = _events(acme)
    assert kind == "member.joined" and payload["email"] == "newcomer@acme.test" and payload["role"] == "member"
    assert not WebhookEvent.objects.filter(tenant=globex).exists()  # nobody listens there
