"""Two approvers acting on the same step at once produce exactly one decision (real transactions,
two connections: the rows are committed by a set-up thread and removed by the cleanup)."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.approvals.due.models import ApprovalDue
from apps.approvals.models import ApprovalEvent, ApprovalRequest, ApprovalWorkflow
from apps.approvals.services import request_approve, request_submit, workflow_save
from apps.core.events import subscribe, unsubscribe
from apps.notifications.subscriber import on_event
from apps.organisation.models import Entity, EntityType
from apps.organisation.services import entity_create
from tests.factories import MembershipFactory
from tests.utils import run_on_own_connections

from .conftest import KIND


def _committed(fn):
    """fn's result, run on a connection of its own so its writes commit (the test's own never does)."""
    result = []
    run_on_own_connections(lambda: result.append(fn()), cleanup=lambda: None)
    return result[0]


@pytest.fixture
def notifications_off():
    """The race commits for real: without this, its events would tell people for real too (inbox rows,
    emails and usage counters that outlive the test); the engine has its own tests."""
    unsubscribe("*", on_event)
    yield
    subscribe("*", on_event)


@pytest.mark.django_db
def test_two_approvers_at_once_make_exactly_one_decision(acme, test_kind, notifications_off):
    tag = uuid.uuid4().hex[:8]

    def setup():
        with tenant_context(acme):
            users = [
                MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email=f"{name}-{tag}@acme.test").user
                for name in ("req", "a", "b")
            ]
            root = Entity.objects.get(parent__isnull=True)
            entity = entity_create(name=f"Race {tag}", entity_type=EntityType.objects.get(code="team"), parent=root,
                                   acting_user=None)  # fmt: skip
            workflow_save(
                kind=KIND,
                name=f"Race {tag}",
                acting_user=None,
                steps=[{"name": "Either", "approver_type": "people", "people": [u.pk for u in users[1:]]}],
            )
            request = request_submit(kind=KIND, subject=entity, requester=users[0])
            return request.pk, users, entity.pk

    request_pk, users, entity_pk = _committed(setup)
    outcomes: dict[str, str] = {}

    def approver(user):
        def run():
            with tenant_context(acme):
                request = ApprovalRequest.objects.get(pk=request_pk)
                try:
                    request_approve(request=request, acting_user=user)
                    outcomes[user.email] = "approved"
                except (ValidationError, PermissionDenied) as error:
                    outcomes[user.email] = f"refused: {error}"

        return run

    def cleanup():
        with tenant_context(acme):
            ApprovalRequest.objects.filter(pk=request_pk).delete()
            ApprovalRequest.history.filter(id=request_pk).delete()
            for workflow in ApprovalWorkflow.objects.filter(name=f"Race {tag}"):
                workflow.steps.all().delete()
                workflow.delete()
            Entity.objects.filter(pk=entity_pk).delete()
            ApprovalDue.objects.filter(tenant=acme).delete()
            Membership.objects.filter(user__in=users).delete()

    try:
        run_on_own_connections(approver(users[1]), approver(users[2]), cleanup=lambda: None)
        with tenant_context(acme):
            assert sorted(outcome.split(":")[0] for outcome in outcomes.values()) == ["approved", "refused"]
            assert ApprovalEvent.objects.filter(request_id=request_pk, action="approved").count() == 1
            assert ApprovalRequest.objects.get(pk=request_pk).status == "approved"
        assert test_kind.decisions == [(str(entity_pk), "approved")]
    finally:
        _committed(cleanup)
