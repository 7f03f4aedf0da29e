"""Support services: numbering, SLA clocks (pause/resume, breach sweep, at risk, priority change),
replies, internal notes, assignment, transitions, emails."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.emails.models import EmailDelivery
from apps.support import services
from apps.support.models import SlaPolicy, Ticket, TicketEvent, TicketMessage
from apps.support.sla import sla_breaches_flag, sla_policies_seed
from apps.support.tasks import sla_sweep
from apps.tenancy.models import Plan

from .conftest import T0

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)


def test_numbers_are_unique_and_human_readable(open_ticket, acme, globex, acme_admin):
    tickets = [open_ticket(acme, acme_admin), open_ticket(globex, None), open_ticket(acme, acme_admin)]
    numbers = [t.number for t in tickets]
    assert len(set(numbers)) == 3 and all(n.startswith("TKT-") and len(n) == 10 for n in numbers)
    assert int(numbers[2][4:]) > int(numbers[0][4:])
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=tickets[1].pk).update(number=numbers[0])


def test_open_sets_clocks_from_default_policy_history_and_audit(acme_ticket, acme):
    assert acme_ticket.status == "open" and acme_ticket.priority == "medium"
    assert acme_ticket.first_response_due_at == T0 + 8 * H
    assert acme_ticket.resolution_due_at == T0 + 72 * H
    assert acme_ticket.history.count() == 1
    assert TicketEvent.objects.filter(ticket=acme_ticket, kind="created").exists()
    assert AuditEvent.objects.filter(
        action="support.ticket_opened", tenant=acme, target_id=str(acme_ticket.pk)
    ).exists()


def test_enterprise_plan_has_faster_targets(open_ticket, acme, acme_admin):
    enterprise = Plan.objects.update_or_create(name="enterprise", defaults={"display_name": "Enterprise"})[0]
    sla_policies_seed()
    acme.plan = enterprise
    acme.save(update_fields=["plan"])
    ticket = open_ticket(acme, acme_admin, priority="urgent")
    assert ticket.first_response_due_at == T0 + timedelta(minutes=30)
    assert ticket.resolution_due_at == T0 + 2 * H
    assert SlaPolicy.objects.filter(plan=None).count() == 4


def test_pause_and_resume_shift_the_due_dates(acme_ticket, support_staff, acme_admin):
    services.ticket_status_set(
        ticket=acme_ticket, status="waiting_on_customer", acting_user=support_staff, now=T0 + 2 * H
    )
    acme_ticket.refresh_from_db()
    assert acme_ticket.paused_at == T0 + 2 * H
    # While paused, the remaining time is frozen: 10 h later the clock still has 6 h left, not breached.
    assert acme_ticket.sla_state(now=T0 + 12 * H) == "paused"
    assert sla_breaches_flag(now=T0 + 12 * H) == 0
    # The customer answers 10 h later: the ticket is open again, both due dates move by 10 h.
    services.ticket_reply(
        ticket=acme_ticket, body="Here are the logs.", acting_user=acme_admin, from_staff=False, now=T0 + 12 * H
    )
    acme_ticket.refresh_from_db()
    assert acme_ticket.status == "open" and acme_ticket.paused_at is None
    assert acme_ticket.paused_seconds == 10 * 3600
    assert acme_ticket.first_response_due_at == T0 + 18 * H
    assert acme_ticket.resolution_due_at == T0 + 82 * H


def test_breach_sweep_flags_in_one_update(open_ticket, acme, globex, acme_admin, django_assert_num_queries):
    late = open_ticket(acme, acme_admin, priority="urgent")  # 1 h / 4 h
    fine = open_ticket(globex, None, priority="low")  # 24 h / 120 h
    with django_assert_num_queries(1):
        assert sla_breaches_flag(now=T0 + 2 * H) == 1
    late.refresh_from_db()
    fine.refresh_from_db()
    assert late.first_response_breached and not late.resolution_breached
    assert not fine.first_response_breached
    sla_breaches_flag(now=T0 + 5 * H)
    late.refresh_from_db()
    assert late.resolution_breached and late.sla_state(now=T0 + 5 * H) == "breached"
    assert sla_breaches_flag(now=T0 + 5 * H) == 0  # idempotent


def test_sweep_task_runs(open_ticket, acme, acme_admin):
    open_ticket(acme, acme_admin, priority="urgent", now=timezone.now() - 2 * H)
    assert sla_sweep() == 1


def test_at_risk_on_read_and_in_the_queue_filter(acme_ticket):
    # medium: first response 8 h; at risk with less than 2 h left.
    assert acme_ticket.sla_state(now=T0 + 5 * H) == "ok"
    assert acme_ticket.sla_state(now=T0 + 6.5 * H) == "at_risk"
    assert acme_ticket.sla_state(now=T0 + 9 * H) == "breached"  # computed on read before the sweep ran
    assert not Ticket.objects.at_risk(T0 + 5 * H).exists()
    assert list(Ticket.objects.at_risk(T0 + 6.5 * H)) == [acme_ticket]


def test_first_staff_reply_stops_the_first_response_clock(acme_ticket, support_staff):
    services.ticket_reply(
        ticket=acme_ticket, body="Looking into it.", acting_user=support_staff, from_staff=True, now=T0 + H
    )
    acme_ticket.refresh_from_db()
    assert acme_ticket.first_responded_at == T0 + H
    sla_breaches_flag(now=T0 + 10 * H)
    acme_ticket.refresh_from_db()
    assert not acme_ticket.first_response_breached


def test_internal_note_does_not_count_as_first_response(acme_ticket, support_staff):
    services.ticket_note_add(ticket=acme_ticket, body="Customer is on the old export.", acting_user=support_staff)
    acme_ticket.refresh_from_db()
    assert acme_ticket.first_responded_at is None


def test_priority_change_recomputes_the_clocks(acme_ticket, support_staff):
    services.ticket_priority_set(ticket=acme_ticket, priority="urgent", acting_user=support_staff, now=T0)
    acme_ticket.refresh_from_db()
    assert acme_ticket.first_response_due_at == T0 + H and acme_ticket.resolution_due_at == T0 + 4 * H
    assert TicketEvent.objects.filter(ticket=acme_ticket, kind="priority", to_value="urgent").exists()


def test_reply_to_a_closed_ticket_is_refused(acme_ticket, support_staff, acme_admin):
    services.ticket_status_set(ticket=acme_ticket, status="closed", acting_user=support_staff)
    for user, staff in ((acme_admin, False), (support_staff, True)):
        with pytest.raises(ValidationError) as exc:
            services.ticket_reply(ticket=acme_ticket, body="Hello?", acting_user=user, from_staff=staff)
        assert exc.value.error_dict["body"][0].code == "ticket_closed"
    assert not TicketMessage.objects.filter(ticket=acme_ticket).exists()


def test_tenant_cannot_create_internal_notes(acme_ticket, acme_admin, billing_staff):
    for user in (acme_admin, billing_staff):
        with pytest.raises(PermissionDenied):
            services.ticket_note_add(ticket=acme_ticket, body="sneaky", acting_user=user)
    with pytest.raises(PermissionDenied):  # nor pass a reply off as staff
        services.ticket_reply(ticket=acme_ticket, body="x", acting_user=acme_admin, from_staff=True)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        TicketMessage.objects.create(ticket=acme_ticket, body="x", is_internal=True, from_staff=False)
    assert not TicketMessage.objects.filter(ticket=acme_ticket).exists()


def test_assignee_must_be_support_staff(acme_ticket, support_staff, billing_staff, acme_admin, platform_superuser):
    with pytest.raises(ValidationError) as exc:
        services.ticket_assign(ticket=acme_ticket, assignee=billing_staff, acting_user=support_staff)
    assert exc.value.error_dict["assignee"][0].code == "assignee_not_support"
    with pytest.raises(PermissionDenied):
        services.ticket_assign(ticket=acme_ticket, assignee=support_staff, acting_user=acme_admin)
    services.ticket_assign(ticket=acme_ticket, assignee=platform_superuser, acting_user=support_staff)
    services.ticket_assign(ticket=acme_ticket, assignee=support_staff, acting_user=support_staff)
    acme_ticket.refresh_from_db()
    assert acme_ticket.assignee == support_staff
    assert TicketEvent.objects.filter(ticket=acme_ticket, kind="assigned").count() == 2


def test_transitions(acme_ticket, support_staff, acme_admin):
    with pytest.raises(ValidationError):  # the tenant side may only close
        services.ticket_status_set(ticket=acme_ticket, status="resolved", acting_user=acme_admin, from_staff=False)
    services.ticket_status_set(ticket=acme_ticket, status="resolved", acting_user=support_staff)
    acme_ticket.refresh_from_db()
    assert acme_ticket.resolved_at is not None
    with pytest.raises(ValidationError):
        services.ticket_status_set(ticket=acme_ticket, status="waiting_on_customer", acting_user=support_staff)
    services.ticket_status_set(ticket=acme_ticket, status="closed", acting_user=acme_admin, from_staff=False)
    with pytest.raises(ValidationError) as exc:
        services.ticket_status_set(ticket=acme_ticket, status="open", acting_user=support_staff)
    assert exc.value.error_dict["status"][0].code == "transition_invalid"


def test_emails_on_replies_never_on_notes(acme_ticket, support_staff, acme_admin, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_note_add(ticket=acme_ticket, body="internal only", acting_user=support_staff)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=acme_ticket, body="Fixed it.", acting_user=support_staff, from_staff=True)
    assert [m.to for m in mail.outbox] == [["admin@acme.test"]] and "Fixed it." in mail.outbox[0].body
    services.ticket_assign(ticket=acme_ticket, assignee=support_staff, acting_user=support_staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=acme_ticket, body="Thanks!", acting_user=acme_admin, from_staff=False)
    assert mail.outbox[-1].to == ["support@platform.test"]
    assert EmailDelivery.objects.filter(template="notification", recipient="admin@acme.test").exists()
    assert not any("internal only" in m.body for m in mail.outbox)


def test_attachments_validated(acme, acme_admin, open_ticket):
    big = SimpleUploadedFile("big.pdf", b"x" * (10 * 1024 * 1024 + 1), content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        open_ticket(acme, acme_admin, attachments=[big])
    assert exc.value.error_dict["attachments"][0].code == "attachment_too_large"
    exe = SimpleUploadedFile("run.exe", b"MZ", content_type="application/x-msdownload")
    with pytest.raises(ValidationError):
        open_ticket(acme, acme_admin, attachments=[exe])
    assert not Ticket.objects.exists()
    ok = SimpleUploadedFile("log.txt", b"trace", content_type="text/plain")
    ticket = open_ticket(acme, acme_admin, attachments=[ok])
    attachment = ticket.messages.get().attachments.get()
    assert (attachment.filename, attachment.size, attachment.content_type) == ("log.txt", 5, "text/plain")


def test_canned_response_render(acme_ticket):
    from apps.support.models import CannedResponse

    canned = CannedResponse.objects.create(title="Thanks", body="Hi {requester}, about {number}: done.")
    assert services.canned_response_render(canned=canned, ticket=acme_ticket) == (
        f"Hi {acme_ticket.requester.get_full_name()}, about {acme_ticket.number}: done."
    )
