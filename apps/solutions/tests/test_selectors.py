"""Who may use which solution: tenant admins, direct grants, roles (and the roles below them),
through active assignments to the person or to a team they belong to. One query."""

import pytest
from django_tenants.utils import tenant_context

from apps.access.services import assignment_create, assignment_revoke
from apps.accounts.models import Membership
from apps.organisation.services import entity_create, entity_membership_add, profile_ensure
from apps.solutions.selectors import user_solutions
from apps.solutions.services import solution_access_grant, solution_access_revoke
from apps.tenancy.models import Plan
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_tenant_admins_may_use_every_solution_of_the_plan(acme_pro, acme_admin):
    with tenant_context(acme_pro):
        assert user_solutions(acme_admin, acme_pro) == {"attendance", "tasks", "leave"}


def test_members_get_nothing_until_given_access(acme_pro, acme_admin, acme_member):
    with tenant_context(acme_pro):
        assert user_solutions(acme_member, acme_pro) == set()
        access = solution_access_grant(solution_code="tasks", user=acme_member, acting_user=acme_admin)
        assert user_solutions(acme_member, acme_pro) == {"tasks"}
        solution_access_revoke(access=access, acting_user=acme_admin)
        assert user_solutions(acme_member, acme_pro) == set()


def test_a_solution_dropped_from_the_plan_is_gone_even_with_a_grant(acme_pro, acme_admin, acme_member):
    with tenant_context(acme_pro):
        solution_access_grant(solution_code="leave", user=acme_member, acting_user=acme_admin)
    Plan.objects.filter(pk=acme_pro.plan_id).update(features={"solutions": ["tasks"]})
    with tenant_context(acme_pro):
        assert user_solutions(acme_member, acme_pro) == set()
        assert user_solutions(acme_admin, acme_pro) == {"tasks"}


def test_outsiders_get_nothing(acme_pro, globex_member, acme_member, acme_admin):
    with tenant_context(acme_pro):
        solution_access_grant(solution_code="tasks", user=acme_member, acting_user=acme_admin)
        assert user_solutions(globex_member, acme_pro) == set()
    Membership.objects.filter(user=acme_member).update(status=Membership.Status.SUSPENDED)
    with tenant_context(acme_pro):
        assert user_solutions(acme_member, acme_pro) == set()


def test_a_role_grant_reaches_holders_of_the_role_while_the_assignment_is_active(
    acme_pro, acme_admin, acme_member, acme_root, roles
):
    with tenant_context(acme_pro):
        solution_access_grant(solution_code="leave", role=roles["supervisor"], acting_user=acme_admin)
        assignment = assignment_create(role=roles["supervisor"], user=acme_member, scope_entity=acme_root,
                                       acting_user=acme_admin)  # fmt: skip
        assert user_solutions(acme_member, acme_pro) == {"leave"}
        assignment_revoke(assignment=assignment, acting_user=acme_admin, reason="Moved on")
        assert user_solutions(acme_member, acme_pro) == set()


def test_child_roles_inherit_a_grant_but_parents_do_not(acme_pro, acme_admin, acme_member, acme_root, roles):
    boss = MembershipFactory(tenant=acme_pro, user__email="boss@acme.test").user
    with tenant_context(acme_pro):
        solution_access_grant(solution_code="leave", role=roles["supervisor"], acting_user=acme_admin)
        solution_access_grant(solution_code="tasks", role=roles["team-lead"], acting_user=acme_admin)
        assignment_create(role=roles["team-lead"], user=acme_member, scope_entity=acme_root, acting_user=acme_admin)
        assignment_create(role=roles["supervisor"], user=boss, scope_entity=acme_root, acting_user=acme_admin)
        assert user_solutions(acme_member, acme_pro) == {"leave", "tasks"}  # team lead is below supervisor
        assert user_solutions(boss, acme_pro) == {"leave"}


def test_a_role_given_to_a_team_reaches_its_members(acme_pro, acme_admin, acme_member, acme_root, roles, entity_type):
    with tenant_context(acme_pro):
        team = entity_create(name="Night shift", entity_type=entity_type("team"), parent=acme_root,
                             acting_user=acme_admin)  # fmt: skip
        solution_access_grant(solution_code="attendance", role=roles["supervisor"], acting_user=acme_admin)
        assignment_create(role=roles["supervisor"], team=team, scope_entity=team, acting_user=acme_admin)
        assert user_solutions(acme_member, acme_pro) == set()
        profile = profile_ensure(user=acme_member, acting_user=acme_admin)
        entity_membership_add(profile=profile, entity=team, acting_user=acme_admin)
        assert user_solutions(acme_member, acme_pro) == {"attendance"}


def test_user_solutions_is_one_query(acme_pro, acme_admin, acme_member, acme_root, roles, django_assert_num_queries):
    with tenant_context(acme_pro):
        solution_access_grant(solution_code="leave", role=roles["supervisor"], acting_user=acme_admin)
        solution_access_grant(solution_code="tasks", user=acme_member, acting_user=acme_admin)
        assignment_create(role=roles["team-lead"], user=acme_member, scope_entity=acme_root, acting_user=acme_admin)
        with django_assert_num_queries(1):
            assert user_solutions(acme_member, acme_pro) == {"leave", "tasks"}
        with django_assert_num_queries(1):
            assert user_solutions(acme_admin, acme_pro) == {"attendance", "tasks", "leave"}
