"""Access requests: the rules of asking, the grant on approval, rejection, cancellation, returns."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.access.models import RoleAssignment
from apps.access.resolver import access_cache_clear, may
from apps.access.services import assignment_create
from apps.accessrequests.approval import on_decision
from apps.accessrequests.models import AccessRequest
from apps.accessrequests.selectors import approval_request_of
from apps.accessrequests.services import (
    access_request_cancel,
    access_request_resubmit,
    access_request_submit,
)
from apps.approvals.services import request_approve, request_reject, request_return
from apps.core.events import subscribe, unsubscribe
from apps.solutions.models import SolutionAccess

pytestmark = pytest.mark.django_db


def ask(requester, role=None, entity=None, **kwargs):
    kwargs.setdefault("reason", "I cover for the team lead.")
    kind = kwargs.pop("kind", "role")
    return access_request_submit(requester=requester, kind=kind, role=role, entity=entity, acting_user=requester,
                                 **kwargs)  # fmt: skip


def test_a_role_request_opens_an_approval_request_with_its_fields(workflow, requester, roles, tree):
    access_request = ask(requester, roles["viewer"], tree.sales)
    assert access_request.status == "pending"
    approval = approval_request_of(access_request)
    assert approval is not None and approval.status == "pending" and approval.requester_id == requester.pk
    assert approval.fields == {"kind": "role", "role": "viewer", "entity": tree.sales.code, "solution": ""}
    assert "Viewer at Sales" in approval.summary


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"reason": "  "}, "reason", "reason_required"),
        ({"role": None}, "role", "invalid_role"),
        ({"entity": None}, "entity", "invalid_entity"),
        ({"kind": "superpowers"}, "kind", "invalid_kind"),
    ],
)
def test_bad_requests_are_refused_with_the_reason_and_nothing_is_written(
    workflow, requester, roles, tree, change, field, code
):
    arguments = {"role": roles["viewer"], "entity": tree.sales, **change}
    with pytest.raises(ValidationError) as refused:
        ask(requester, **arguments)
    assert refused.value.error_dict[field][0].code == code
    assert not AccessRequest.objects.exists()


def test_a_role_already_held_at_the_entity_or_above_is_refused(workflow, requester, roles, tree, acme_admin):
    assignment_create(role=roles["viewer"], user=requester, scope_entity=tree.sales, acting_user=acme_admin)
    with pytest.raises(ValidationError) as refused:
        ask(requester, roles["viewer"], tree.east)  # below Sales: already covered
    assert refused.value.error_dict["role"][0].code == "already_held"
    ask(requester, roles["viewer"], tree.support)  # elsewhere: fine


def test_a_second_open_request_for_the_same_thing_is_refused_and_the_database_agrees(workflow, requester, roles, tree):
    first = ask(requester, roles["viewer"], tree.sales)
    with pytest.raises(ValidationError) as refused:
        ask(requester, roles["viewer"], tree.sales)
    assert refused.value.error_dict["role"][0].code == "duplicate_request"
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessRequest.objects.create(requester=requester, kind="role", role=first.role, entity=first.entity,
                                     reason="again")  # fmt: skip


def test_people_ask_only_for_themselves(workflow, requester, roles, tree, acme_admin):
    with pytest.raises(ValidationError) as refused:
        access_request_submit(requester=requester, kind="role", role=roles["viewer"], entity=tree.sales,
                              reason="x", acting_user=acme_admin)  # fmt: skip
    assert refused.value.error_dict["__all__"][0].code == "not_requester"


def test_without_a_workflow_the_request_is_refused_and_nothing_is_written(requester, roles, tree):
    with pytest.raises(ValidationError):
        ask(requester, roles["viewer"], tree.sales)
    assert not AccessRequest.objects.exists()


def test_approval_gives_the_role_scoped_to_the_entity_in_the_approvers_name(
    workflow, requester, roles, tree, acme_admin, django_capture_on_commit_callbacks
):
    seen: list = []

    def listen(event, items):
        seen.extend(items)

    subscribe("access_request.approved", listen)
    access_request = ask(requester, roles["viewer"], tree.sales)
    assert not may(requester, "organisation.view_people", tree.sales)
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=approval_request_of(access_request), acting_user=acme_admin, comment="OK")
    access_request.refresh_from_db()
    assert access_request.status == "approved" and access_request.decided_by == acme_admin
    assignment = RoleAssignment.objects.get(pk=access_request.role_assignment_id)
    assert (assignment.user, assignment.role, assignment.scope_entity, assignment.status) == (
        requester, roles["viewer"], tree.sales, "active")  # fmt: skip
    assert assignment.created_by == acme_admin
    access_cache_clear(requester)
    assert may(requester, "organisation.view_people", tree.east)  # the subtree of Sales
    assert not may(requester, "organisation.view_people", tree.support)
    unsubscribe("access_request.approved", listen)
    assert seen and seen[-1][1]["id"] == str(access_request.pk) and seen[-1][1]["what"] == "Viewer at Sales"


def test_the_outcome_callback_is_idempotent(workflow, requester, roles, tree, acme_admin):
    access_request = ask(requester, roles["viewer"], tree.sales)
    approval = approval_request_of(access_request)
    request_approve(request=approval, acting_user=acme_admin)
    on_decision(approval, "approved")
    on_decision(approval, "rejected")
    access_request.refresh_from_db()
    assert access_request.status == "approved"
    assert RoleAssignment.objects.filter(user=requester, role=roles["viewer"]).count() == 1


def test_rejection_keeps_the_reason_and_gives_nothing(workflow, requester, roles, tree, acme_admin):
    access_request = ask(requester, roles["viewer"], tree.sales)
    request_reject(request=approval_request_of(access_request), acting_user=acme_admin, reason="Ask your lead.")
    access_request.refresh_from_db()
    assert (access_request.status, access_request.decision_reason) == ("rejected", "Ask your lead.")
    assert access_request.role_assignment_id is None
    assert not RoleAssignment.objects.filter(user=requester).exists()


def test_the_requester_cancels_an_open_request(workflow, requester, roles, tree, acme_admin):
    access_request = ask(requester, roles["viewer"], tree.sales)
    with pytest.raises(ValidationError):
        access_request_cancel(access_request=access_request, acting_user=acme_admin)
    access_request_cancel(access_request=access_request, acting_user=requester, reason="Not needed")
    assert access_request.status == "cancelled"
    assert approval_request_of(access_request).status == "cancelled"
    ask(requester, roles["viewer"], tree.sales)  # a new request is possible again


def test_returned_then_resubmitted(workflow, requester, roles, tree, acme_admin, django_capture_on_commit_callbacks):
    access_request = ask(requester, roles["viewer"], tree.sales)
    with django_capture_on_commit_callbacks(execute=True):
        request_return(request=approval_request_of(access_request), acting_user=acme_admin, reason="Which team?")
    access_request.refresh_from_db()
    assert (access_request.status, access_request.decision_reason) == ("returned", "Which team?")
    access_request_resubmit(access_request=access_request, reason="Sales East, while Bob is away.",
                            acting_user=requester)  # fmt: skip
    access_request.refresh_from_db()
    assert access_request.status == "pending" and access_request.reason.startswith("Sales East")
    assert approval_request_of(access_request).status == "pending"


def test_a_solution_request_grants_the_solution(acme_pro, workflow, requester, acme_admin):
    access_request = ask(requester, kind="solution", solution_code="leave")
    request_approve(request=approval_request_of(access_request), acting_user=acme_admin)
    access_request.refresh_from_db()
    grant = SolutionAccess.objects.get(pk=access_request.solution_access_id)
    assert (grant.user, grant.solution_code, grant.granted_by) == (requester, "leave", acme_admin)


def test_a_solution_outside_the_plan_is_refused(acme_pro, workflow, requester):
    with pytest.raises(ValidationError) as refused:
        ask(requester, kind="solution", solution_code="chat")
    assert refused.value.error_dict["solution_code"][0].code in {"solution_not_in_plan", "unknown_solution"}
