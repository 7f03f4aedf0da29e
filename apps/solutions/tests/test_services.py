"""Granting and revoking solution access: plan gating, validation, history and audit."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.audit.models import AuditEvent
from apps.solutions.models import SolutionAccess
from apps.solutions.services import solution_access_grant, solution_access_revoke

pytestmark = pytest.mark.django_db


def _code(caught) -> str:
    return next(iter(caught.value.error_dict.values()))[0].code


def test_grant_to_a_member_is_kept_with_history_and_audit(acme_pro, acme_admin, acme_member):
    with tenant_context(acme_pro):
        access = solution_access_grant(solution_code="leave", user=acme_member, reason="HR pilot",
                                       acting_user=acme_admin)  # fmt: skip
        assert access.granted_by == acme_admin and access.is_active
        assert access.history.get().history_type == "+"
        assert access.history.get().history_user == acme_admin
    event = AuditEvent.objects.get(action="solutions.access_granted", tenant_id=acme_pro.pk)
    assert event.after["solution"] == "leave" and event.after["user"] == acme_member.code


@pytest.mark.parametrize(
    ("solution", "code"),
    [("chat", "solution_not_in_plan"), ("time-travel", "unknown_solution")],
)
def test_a_solution_outside_the_plan_is_refused_clearly(acme_pro, acme_admin, acme_member, solution, code):
    with tenant_context(acme_pro), pytest.raises(ValidationError) as caught:
        solution_access_grant(solution_code=solution, user=acme_member, acting_user=acme_admin)
    assert _code(caught) == code
    if code == "solution_not_in_plan":
        assert "plan does not include Chat" in str(caught.value)
    with tenant_context(acme_pro):
        assert not SolutionAccess.objects.exists()


def test_without_a_plan_nothing_can_be_granted(acme, catalogue, acme_admin, acme_member):
    with tenant_context(acme), pytest.raises(ValidationError) as caught:
        solution_access_grant(solution_code="leave", user=acme_member, acting_user=acme_admin)
    assert _code(caught) == "solution_not_in_plan"


def test_only_active_members_of_this_tenant_can_be_given_access(acme_pro, acme_admin, acme_member, globex_member):
    Membership.objects.filter(user=acme_member).update(status=Membership.Status.SUSPENDED)
    for outsider in (globex_member, acme_member):
        with tenant_context(acme_pro), pytest.raises(ValidationError) as caught:
            solution_access_grant(solution_code="leave", user=outsider, acting_user=acme_admin)
        assert _code(caught) == "not_member"


def test_exactly_one_grantee_and_no_duplicate_active_grant(acme_pro, acme_admin, acme_member, roles):
    with tenant_context(acme_pro):
        for grantee in ({}, {"user": acme_member, "role": roles["supervisor"]}):
            with pytest.raises(ValidationError) as caught:
                solution_access_grant(solution_code="leave", acting_user=acme_admin, **grantee)
            assert _code(caught) == "one_grantee"
        solution_access_grant(solution_code="leave", user=acme_member, acting_user=acme_admin)
        solution_access_grant(solution_code="leave", role=roles["supervisor"], acting_user=acme_admin)
        for grantee in ({"user": acme_member}, {"role": roles["supervisor"]}):
            with pytest.raises(ValidationError) as caught:
                solution_access_grant(solution_code="leave", acting_user=acme_admin, **grantee)
            assert _code(caught) == "already_granted"
        assert SolutionAccess.objects.count() == 2


def test_revoke_keeps_the_row_and_both_changes_in_history(acme_pro, acme_admin, acme_member):
    with tenant_context(acme_pro):
        access = solution_access_grant(solution_code="leave", user=acme_member, acting_user=acme_admin)
        solution_access_revoke(access=access, acting_user=acme_admin, reason="Left the pilot")
        access.refresh_from_db()
        assert access.revoked_at is not None and access.revoked_by == acme_admin
        assert access.revoke_reason == "Left the pilot"
        assert [row.history_type for row in access.history.order_by("history_date")] == ["+", "~"]
        with pytest.raises(ValidationError) as caught:
            solution_access_revoke(access=access, acting_user=acme_admin)
        assert caught.value.error_dict["__all__"][0].code == "already_revoked"
        again = solution_access_grant(solution_code="leave", user=acme_member, acting_user=acme_admin)
        assert again.pk != access.pk  # a new grant after a revoke is allowed
    event = AuditEvent.objects.get(action="solutions.access_revoked", tenant_id=acme_pro.pk)
    assert event.before["revoked"] is False and event.after["revoked"] is True
