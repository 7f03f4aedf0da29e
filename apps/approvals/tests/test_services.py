"""The engine's rules: workflows refused with reasons, routing with its reasons, any/all/quorum,
conditions, reject/return/resubmit/cancel/comment, self-approval, the outcome callback."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.approvals.models import (
    ApprovalAssignment,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalWorkflow,
    RequestStatus,
    StepStatus,
)
from apps.approvals.selectors import inbox_for, request_trail, request_visible_to, requests_by
from apps.approvals.services import (
    request_approve,
    request_cancel,
    request_comment,
    request_reject,
    request_resubmit,
    request_return,
    request_submit,
    requests_bulk_approve,
    workflow_preview,
    workflow_save,
    workflow_validate,
)
from apps.audit.models import AuditEvent

from .conftest import KIND

pytestmark = pytest.mark.django_db

MANAGER = {"name": "Manager", "approver_type": "manager"}


def flow(*steps, kind=KIND, acting_user=None):
    return workflow_save(kind=kind, name="Test flow", steps=list(steps), acting_user=acting_user)


def subject(tree, name="Subject"):
    return tree.make(name, tree.sales, "team")


def submit(org, entity=None, requester=None):
    return request_submit(kind=KIND, subject=entity or subject(org.tree), requester=requester or org.ann)


def asked(request):
    return set(
        ApprovalAssignment.objects.filter(request=request, status="pending").values_list("approver_id", flat=True)
    )


# --- Workflow definitions ----------------------------------------------------------------------------


def test_invalid_definitions_are_refused_with_the_reason(org, roles):
    assert workflow_validate(kind=KIND, steps=[]) == ["A workflow needs at least one step."]
    assert workflow_validate(kind="nope", steps=[MANAGER]) == ["Unknown kind of request “nope”."]
    errors = workflow_validate(kind=KIND, steps=[
        {"name": "HR", "approver_type": "people", "people": []},
        {"name": "Role", "approver_type": "role", "role": roles["viewer"]},
        {"name": "Team", "approver_type": "team", "team": org.tree.root},
        {"name": "Cond", "approver_type": "manager", "condition": {"field": "colour", "op": "eq", "value": "red"}},
        {"name": "Op", "approver_type": "manager", "condition": {"field": "days", "op": "like", "value": 3}},
        {"name": "Type", "approver_type": "manager", "condition": {"field": "days", "op": "gt", "value": "three"}},
        {"name": "Q", "approver_type": "manager", "rule": "quorum", "quorum": 0},
    ])  # fmt: skip
    assert errors[0] == "Step 1 (HR): Name at least one approver."
    assert errors[1] == ("Step 2 (Role): Nobody holds the role Viewer anywhere: give the role to someone or name a "
                         "fallback approver.")  # fmt: skip
    assert errors[2].startswith("Step 3 (Team): The team Acme has no members")
    assert "“colour”, which is not a field of Entity change (fields: days, team, amount)" in errors[3]
    assert "Unknown operator “like”" in errors[4]
    assert "does not fit the int field “days”" in errors[5]
    assert errors[6] == "Step 7 (Q): A quorum step needs a quorum of at least 1."
    with pytest.raises(ValidationError) as exc:
        flow({"name": "HR", "approver_type": "people", "people": []})
    assert exc.value.messages == ["Step 1 (HR): Name at least one approver."]
    assert not ApprovalWorkflow.objects.exists()


def test_a_fallback_makes_a_step_without_holders_possible(org, roles):
    steps = [{"name": "Role", "approver_type": "role", "role": roles["viewer"], "fallback_approver": org.hr}]
    assert workflow_validate(kind=KIND, steps=steps) == []


def test_saving_an_active_workflow_deactivates_the_other_and_is_audited(org):
    first = flow(MANAGER)
    second = flow(MANAGER, acting_user=org.admin)
    first.refresh_from_db()
    assert not first.is_active and second.is_active
    assert list(second.steps.values_list("position", "approver_type")) == [(1, "manager")]
    assert AuditEvent.objects.filter(action="approval_workflow.saved", target_id=str(second.pk)).exists()


def test_preview_shows_who_would_approve_and_skipped_steps(org):
    steps = [MANAGER, {"name": "HR", "approver_type": "people", "people": [org.hr.pk],
                       "condition": {"field": "days", "op": "gt", "value": 3}}]  # fmt: skip
    preview = workflow_preview(kind=KIND, requester=org.ann, fields={"days": 2}, steps=steps)
    assert [(p["name"], p["included"]) for p in preview] == [("Manager", True), ("HR", False)]
    assert preview[0]["approvers"][0]["user_id"] == org.mia.pk
    assert "Mia is Ann's manager" in preview[0]["approvers"][0]["reason"]
    preview = workflow_preview(kind=KIND, requester=org.ann, fields={"days": 5}, steps=steps)
    assert preview[1]["included"] and preview[1]["approvers"][0]["user_id"] == org.hr.pk


# --- Submitting and routing --------------------------------------------------------------------------


def test_no_workflow_is_a_clear_error(org):
    with pytest.raises(ValidationError) as exc:
        submit(org)
    assert exc.value.error_dict["kind"][0].code == "no_workflow"
    assert not ApprovalRequest.objects.exists()


def test_submit_routes_to_the_manager_levels_up_and_records_why(org, django_capture_on_commit_callbacks):
    flow({"name": "Skip level", "approver_type": "manager", "manager_levels": 2})
    with django_capture_on_commit_callbacks() as callbacks:
        request = submit(org)
    assert request.status == RequestStatus.PENDING and request.current_position == 1
    assert asked(request) == {org.max.pk}
    assert list(inbox_for(org.max)) == [request] and not inbox_for(org.mia).exists()
    routed = ApprovalEvent.objects.get(request=request, action="routed")
    assert routed.comment == "Max is Ann's manager 2 levels up."
    assert request.summary.startswith("Change of Subject") and request.fields == {
        "days": 1,
        "team": "sales",
        "amount": None,
    }
    assert len(callbacks) >= 2  # approval.submitted and approval.step_opened, after commit


def test_one_open_request_per_subject(org):
    flow(MANAGER)
    entity = subject(org.tree)
    submit(org, entity)
    with pytest.raises(ValidationError) as exc:
        submit(org, entity)
    assert exc.value.error_dict["subject"][0].code == "already_open"


def test_nobody_approves_their_own_request(org):
    """ann is named and is the requester: skipped with a reason, the step goes to the others."""
    flow({"name": "People", "approver_type": "people", "people": [org.ann.pk, org.tom.pk]})
    request = submit(org)
    assert asked(request) == {org.tom.pk}
    note = ApprovalEvent.objects.get(request=request, action="routed", detail__user_id=str(org.ann.pk))
    assert "is the requester and cannot approve their own request" in note.comment
    with pytest.raises(PermissionDenied, match="Nobody approves their own request"):
        request_approve(request=request, acting_user=org.ann)


def test_a_step_that_resolves_to_nobody_escalates_and_says_so(org):
    """Only the requester is named: the step goes to the fallback approver, recorded."""
    flow({"name": "Self", "approver_type": "people", "people": [org.ann.pk], "fallback_approver": org.hr})
    request = submit(org)
    assert asked(request) == {org.hr.pk}
    event = ApprovalEvent.objects.get(request=request, action="escalated")
    assert "it went to the fallback approver" in event.comment


def test_no_fallback_escalates_to_the_requesters_next_manager(org):
    flow({"name": "Self", "approver_type": "people", "people": [org.ann.pk]})
    request = submit(org)
    assert asked(request) == {org.mia.pk}  # the requester's manager: the step itself asked no manager


def test_role_holders_over_the_requesters_entity(org, roles):
    from apps.access.services import assignment_create

    assignment_create(role=roles["viewer"], user=org.hr, scope_entity=org.tree.sales, acting_user=None)
    assignment_create(role=roles["viewer"], user=org.max, scope_entity=org.tree.support, acting_user=None)
    assignment_create(role=roles["viewer"], team=org.tree.support, scope_entity=org.tree.root, acting_user=None)
    flow({"name": "Viewers", "approver_type": "role", "role": roles["viewer"]})
    request = submit(org)
    # hr: over Sales (ann's entity's parent) directly and through the team Support over the root;
    # max holds it over Support only, which does not cover ann.
    assert asked(request) == {org.hr.pk}
    assert "Hr holds the role Viewer over" in ApprovalEvent.objects.get(request=request, action="routed").comment


def test_team_step_asks_its_members(org):
    flow({"name": "East", "approver_type": "team", "team": org.tree.east, "rule": "all"})
    request = submit(org)
    assert asked(request) == {org.tom.pk}  # ann is in the team but is the requester


# --- Rules -------------------------------------------------------------------------------------------


def test_rule_any_one_approval_decides(org, test_kind):
    flow({"name": "P", "approver_type": "people", "people": [org.tom.pk, org.hr.pk]})
    request = submit(org)
    request_approve(request=request, acting_user=org.tom, comment="fine")
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.decided_at
    assert test_kind.decisions == [(request.subject_id, "approved")]
    assert ApprovalAssignment.objects.get(request=request, approver=org.hr).status == "superseded"
    with pytest.raises(ValidationError, match="already approved"):
        request_approve(request=request, acting_user=org.hr)


def test_rule_all_needs_everyone(org):
    flow({"name": "P", "approver_type": "people", "people": [org.tom.pk, org.hr.pk], "rule": "all"})
    request = submit(org)
    request_approve(request=request, acting_user=org.tom)
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and asked(request) == {org.hr.pk}
    request_approve(request=request, acting_user=org.hr)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_rule_quorum(org):
    people = [org.tom.pk, org.hr.pk, org.max.pk]
    flow({"name": "Q", "approver_type": "people", "people": people, "rule": "quorum", "quorum": 2})
    request = submit(org)
    request_approve(request=request, acting_user=org.tom)
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING
    request_approve(request=request, acting_user=org.max)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_two_steps_in_order_and_a_condition_skips_one(org, test_kind):
    hr_step = {"name": "HR", "approver_type": "people", "people": [org.hr.pk],
               "condition": {"field": "days", "op": "gt", "value": 3}}  # fmt: skip
    flow(MANAGER, hr_step)
    short = submit(org)
    request_approve(request=short, acting_user=org.mia)
    short.refresh_from_db()
    assert short.status == RequestStatus.APPROVED
    assert ApprovalEvent.objects.filter(request=short, action="skipped").count() == 1
    long_entity = subject(org.tree, "Long")
    test_kind.fields[long_entity.pk] = {"days": 5}
    long = submit(org, long_entity)
    request_approve(request=long, acting_user=org.mia)
    long.refresh_from_db()
    assert long.status == RequestStatus.PENDING and long.current_position == 2 and asked(long) == {org.hr.pk}
    request_approve(request=long, acting_user=org.hr)
    long.refresh_from_db()
    assert long.status == RequestStatus.APPROVED


def test_reject_needs_a_reason_and_rejects_the_request(org, test_kind):
    flow(MANAGER)
    request = submit(org)
    with pytest.raises(ValidationError) as exc:
        request_reject(request=request, acting_user=org.mia, reason="  ")
    assert exc.value.error_dict["reason"][0].code == "reason_required"
    request_reject(request=request, acting_user=org.mia, reason="Not now")
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert test_kind.decisions == [(request.subject_id, "rejected")]
    assert request_trail(request).last().comment == "Not now"


def test_someone_not_asked_cannot_act(org):
    flow(MANAGER)
    request = submit(org)
    with pytest.raises(PermissionDenied):
        request_approve(request=request, acting_user=org.tom)


def test_return_then_resubmit_starts_a_new_round(org, test_kind):
    flow(MANAGER)
    entity = subject(org.tree)
    request = submit(org, entity)
    request_return(request=request, acting_user=org.mia, reason="Add the dates")
    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED and not inbox_for(org.mia).exists()
    with pytest.raises(PermissionDenied):
        request_resubmit(request=request, acting_user=org.mia)
    test_kind.fields[entity.pk] = {"days": 9}
    request_resubmit(request=request, acting_user=org.ann, note="Dates added")
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and request.round == 2 and request.fields["days"] == 9
    assert list(inbox_for(org.mia)) == [request]
    assert request.steps.filter(round=1).get().status == StepStatus.EXPIRED


def test_cancel_by_the_requester_only(org, test_kind):
    flow(MANAGER)
    request = submit(org)
    with pytest.raises(PermissionDenied):
        request_cancel(request=request, acting_user=org.mia)
    request_cancel(request=request, acting_user=org.ann, reason="No longer needed")
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED and not inbox_for(org.mia).exists()
    assert test_kind.decisions == [(request.subject_id, "cancelled")]


def test_comments_by_people_who_see_the_request(org, globex_member):
    flow(MANAGER)
    request = submit(org)
    request_comment(request=request, acting_user=org.mia, body="Which dates?")
    request_comment(request=request, acting_user=org.admin, body="Admin here")
    with pytest.raises(PermissionDenied):
        request_comment(request=request, acting_user=org.tom, body="Nosy")
    with pytest.raises(ValidationError):
        request_comment(request=request, acting_user=org.ann, body="")
    assert [e.comment for e in request_trail(request).filter(action="commented")] == ["Which dates?", "Admin here"]
    assert request_visible_to(org.mia, request) and request_visible_to(org.admin, request)
    assert not request_visible_to(org.tom, request) and not request_visible_to(globex_member, request)


def test_a_failing_outcome_callback_rolls_the_decision_back(org, test_kind):
    flow(MANAGER)
    request = submit(org)
    test_kind.fail_with = RuntimeError("the subject is locked")
    with pytest.raises(ValidationError, match="could not be applied to the entity change: the subject is locked"):
        request_approve(request=request, acting_user=org.mia)
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and asked(request) == {org.mia.pk}
    assert not ApprovalEvent.objects.filter(request=request, action="approved").exists()


def test_bulk_approve_reports_each_failure(org):
    flow(MANAGER)
    mine = [submit(org, subject(org.tree, f"S{n}")) for n in range(3)]
    other = submit(org, subject(org.tree, "Tom's"), requester=org.tom)  # tom reports to nobody: admin gets it
    approved, errors = requests_bulk_approve(request_ids=[r.pk for r in mine] + [other.pk, 999999],
                                             acting_user=org.mia)  # fmt: skip
    assert sorted(r.pk for r in approved) == sorted(r.pk for r in mine)
    assert set(errors) == {other.pk, 999999}
    assert requests_by(org.ann).filter(status="approved").count() == 3
