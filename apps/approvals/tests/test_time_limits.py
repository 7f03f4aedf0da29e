"""Reminders and time limits: the sweep visits only tenants with something due, acts once."""

import datetime

import pytest
from django.utils import timezone

from apps.approvals.due.models import ApprovalDue
from apps.approvals.models import ApprovalAssignment, ApprovalEvent, ApprovalStep, RequestStatus
from apps.approvals.services import request_submit, workflow_save
from apps.approvals.tasks import sweep_time_limits

from .conftest import KIND

pytestmark = pytest.mark.django_db


def submit(org, **step):
    workflow_save(kind=KIND, name="F", steps=[{"name": "Manager", "approver_type": "manager", "time_limit_hours": 4,
                                               "reminder_hours": 1, **step}], acting_user=None)  # fmt: skip
    return request_submit(kind=KIND, subject=org.tree.make("S", org.tree.sales, "team"), requester=org.ann)


def age(request, hours):
    """Move the open step's clock back `hours`."""
    delta = datetime.timedelta(hours=hours)
    step = ApprovalStep.objects.get(request=request, status="open")
    step.due_at, step.remind_at = step.due_at - delta, step.remind_at - delta
    step.save()
    ApprovalDue.objects.update(due_at=timezone.now() - datetime.timedelta(seconds=1))


def test_opening_a_step_records_the_tenants_next_due_time(org, acme):
    request = submit(org)
    step = ApprovalStep.objects.get(request=request)
    assert ApprovalDue.objects.get(tenant=acme).due_at == step.remind_at


def test_remind_once_then_escalate_to_the_next_manager(org, acme, django_capture_on_commit_callbacks):
    request = submit(org)
    age(request, 2)
    assert sweep_time_limits()[org.schema]["reminded"] == 1
    assert sweep_time_limits().get(org.schema, {}).get("reminded", 0) == 0  # once
    assert ApprovalEvent.objects.filter(request=request, action="reminded").count() == 1
    age(request, 3)
    assert sweep_time_limits()[org.schema]["escalated"] == 1
    pending = ApprovalAssignment.objects.get(request=request, status="pending")
    assert pending.approver_id == org.max.pk
    assert (
        "not decided in time: escalated to the next manager up"
        in ApprovalEvent.objects.get(request=request, action="escalated").comment
    )


def test_auto_approve_and_auto_reject_on_timeout(org, test_kind):
    request = submit(org, on_timeout="approve")
    age(request, 5)
    sweep_time_limits()
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert ApprovalEvent.objects.filter(request=request, action="auto_approved").exists()


def test_the_sweep_forgets_a_tenant_with_nothing_left(org, acme):
    request = submit(org, on_timeout="reject")
    age(request, 5)
    sweep_time_limits()
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert not ApprovalDue.objects.filter(tenant=acme).exists()
