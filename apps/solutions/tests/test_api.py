"""Tenant API: the plan's solutions with the caller's access, the registry (list, grant, revoke),
and `HasSolutionAccess` for solution endpoints."""

import pytest
from django.test import RequestFactory
from django_tenants.utils import tenant_context
from rest_framework.request import Request

from apps.access.services import assignment_create
from apps.audit.models import AuditEvent
from apps.integrations.services import api_key_create
from apps.solutions.access import HasSolutionAccess
from apps.solutions.models import SolutionAccess
from apps.solutions.services import solution_access_grant
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SOLUTIONS = "/api/v1/solutions/"
ACCESS = "/api/v1/solution-access/"


def key(tenant, admin, scopes):
    with tenant_context(tenant):
        _, raw = api_key_create(name=f"Key {'+'.join(scopes)}", scopes=list(scopes), acting_user=admin)
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


def test_solutions_lists_the_plan_with_the_callers_access(acme_client, acme_pro, acme_admin, acme_member):
    with tenant_context(acme_pro):
        solution_access_grant(solution_code="tasks", user=acme_member, acting_user=acme_admin)
    acme_client.force_login(acme_member)
    body = acme_client.get(SOLUTIONS).json()
    assert [(s["code"], s["has_access"]) for s in body] == [("attendance", False), ("tasks", True), ("leave", False)]
    acme_client.force_login(acme_admin)
    assert all(s["has_access"] for s in acme_client.get(SOLUTIONS).json())


def test_solutions_refuse_outsiders_anonymous_and_keys_without_scope(
    acme_client, globex_client, acme_pro, acme_admin, globex_member
):
    assert acme_client.get(SOLUTIONS).status_code in (401, 403)
    acme_client.force_login(globex_member)
    assert acme_client.get(SOLUTIONS).json()["code"] == "not_member"
    acme_client.logout()
    response = acme_client.get(SOLUTIONS, **key(acme_pro, acme_admin, ["members:read"]))
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    body = acme_client.get(SOLUTIONS, **key(acme_pro, acme_admin, ["solutions:read"])).json()
    assert [s["has_access"] for s in body] == [False, False, False]  # a key holds no role yet


def test_admin_grants_lists_filters_and_revokes(acme_client, acme_pro, acme_admin, acme_member, roles):
    acme_client.force_login(acme_admin)
    response = acme_client.post(ACCESS, {"solution": "leave", "user": acme_member.code, "reason": "Pilot"})
    assert response.status_code == 201, response.json()
    grant = response.json()
    assert grant["user"] == acme_member.code and grant["active"] and grant["granted_by"] == acme_admin.code
    role_grant = acme_client.post(ACCESS, {"solution": "tasks", "role": "supervisor"}).json()
    assert role_grant["role"] == "supervisor"
    assert [g["id"] for g in acme_client.get(ACCESS).json()["results"]] == [role_grant["id"], grant["id"]]
    assert [g["id"] for g in acme_client.get(ACCESS, {"solution": "leave"}).json()["results"]] == [grant["id"]]
    assert [g["id"] for g in acme_client.get(ACCESS, {"role": "supervisor"}).json()["results"]] == [role_grant["id"]]
    assert [g["id"] for g in acme_client.get(ACCESS, {"user": acme_member.code}).json()["results"]] == [grant["id"]]
    assert acme_client.delete(f"{ACCESS}{grant['id']}/?reason=Done").status_code == 204
    assert [g["id"] for g in acme_client.get(ACCESS).json()["results"]] == [role_grant["id"]]
    revoked = acme_client.get(ACCESS, {"include_revoked": "true", "solution": "leave"}).json()["results"]
    assert revoked[0]["revoke_reason"] == "Done" and not revoked[0]["active"]
    response = acme_client.delete(f"{ACCESS}{grant['id']}/")
    assert response.status_code == 400 and response.json()["code"] == "already_revoked"
    assert AuditEvent.objects.filter(action="solutions.access_revoked", tenant_id=acme_pro.pk).count() == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"solution": "chat", "role": "supervisor"}, "solution_not_in_plan"),
        ({"solution": "leave"}, "one_grantee"),
        ({"solution": "leave", "role": "no-such-role"}, "does_not_exist"),
    ],
)
def test_bad_grants_are_400_with_a_code(acme_client, acme_pro, acme_admin, roles, data, code):
    acme_client.force_login(acme_admin)
    response = acme_client.post(ACCESS, data)
    assert response.status_code == 400 and response.json()["code"] == code
    with tenant_context(acme_pro):
        assert not SolutionAccess.objects.exists()


def test_a_non_member_cannot_be_granted_over_the_api(acme_client, acme_pro, acme_admin, globex_member):
    acme_client.force_login(acme_admin)
    response = acme_client.post(ACCESS, {"solution": "leave", "user": globex_member.code})
    assert response.status_code == 400 and response.json()["code"] == "not_member"


def test_members_read_only_and_outsiders_nothing(
    acme_client, acme_pro, acme_admin, acme_member, globex_member, globex_client, globex_pro
):
    with tenant_context(acme_pro):
        grant = solution_access_grant(solution_code="leave", user=acme_member, acting_user=acme_admin)
    acme_client.force_login(acme_member)
    assert acme_client.get(ACCESS).status_code == 200
    response = acme_client.post(ACCESS, {"solution": "leave", "user": acme_member.code})
    assert response.status_code == 403 and response.json()["code"] == "tenant_admin_required"
    assert acme_client.delete(f"{ACCESS}{grant.pk}/").status_code == 403
    acme_client.force_login(globex_member)
    assert acme_client.get(ACCESS).status_code == 403
    assert acme_client.delete(f"{ACCESS}{grant.pk}/").status_code == 403
    globex_client.force_login(MembershipFactory(tenant=globex_pro, role="tenant_admin").user)
    assert globex_client.get(ACCESS).json()["results"] == []  # acme's grants are not in globex's schema
    assert globex_client.delete(f"{ACCESS}{grant.pk}/").status_code == 404
    acme_client.logout()
    assert acme_client.get(ACCESS).status_code in (401, 403)


def test_api_keys_need_the_solutions_scope(acme_client, acme_pro, acme_admin, acme_member):
    assert acme_client.get(ACCESS, **key(acme_pro, acme_admin, ["members:read"])).status_code == 403
    reader = key(acme_pro, acme_admin, ["solutions:read"])
    assert acme_client.get(ACCESS, **reader).status_code == 200
    response = acme_client.post(ACCESS, {"solution": "leave", "user": acme_member.code}, **reader)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    writer = key(acme_pro, acme_admin, ["solutions:read", "solutions:write"])
    response = acme_client.post(ACCESS, {"solution": "leave", "user": acme_member.code}, **writer)
    assert response.status_code == 201 and response.json()["granted_by"] is None


def test_registry_list_is_keyset_paginated_without_n_plus_one(
    acme_client, acme_pro, acme_admin, roles, django_assert_max_num_queries
):
    with tenant_context(acme_pro):
        for index in range(4):
            user = MembershipFactory(tenant=acme_pro, user__email=f"p{index}@acme.test").user
            solution_access_grant(solution_code="leave", user=user, acting_user=acme_admin)
        solution_access_grant(solution_code="leave", role=roles["supervisor"], acting_user=acme_admin)
    acme_client.force_login(acme_admin)
    acme_client.get(ACCESS)
    with django_assert_max_num_queries(12):
        body = acme_client.get(ACCESS, {"page_size": 3}).json()
    assert len(body["results"]) == 3 and "cursor=" in body["next"]
    assert len(acme_client.get(body["next"]).json()["results"]) == 2


def _drf_request(user, tenant):
    raw = RequestFactory().get("/api/v1/leave/")
    raw.tenant = tenant
    request = Request(raw)
    request.user = user
    return request


class LeaveView:
    solution_code = "leave"
    resource_family = "solutions"


def test_has_solution_access_permission(acme_pro, acme_admin, acme_member, acme_root, roles):
    permission = HasSolutionAccess()
    with tenant_context(acme_pro):
        assert not permission.has_permission(_drf_request(acme_member, acme_pro), LeaveView())
        assert permission.message["code"] == "solution_access_required"
        assert "plan includes Leave, but you have not been given access" in permission.message["detail"]
        solution_access_grant(solution_code="leave", role=roles["supervisor"], acting_user=acme_admin)
        assignment_create(role=roles["supervisor"], user=acme_member, scope_entity=acme_root, acting_user=acme_admin)
        assert HasSolutionAccess().has_permission(_drf_request(acme_member, acme_pro), LeaveView())
        chat = type("ChatView", (LeaveView,), {"solution_code": "chat"})()
        permission = HasSolutionAccess()
        assert not permission.has_permission(_drf_request(acme_admin, acme_pro), chat)
        assert permission.message["code"] == "solution_not_in_plan"


def test_an_api_key_reaches_a_solution_through_a_role_assigned_to_it(
    acme_client, acme_pro, acme_admin, acme_root, roles
):
    with tenant_context(acme_pro):
        api_key, raw = api_key_create(name="Rostering", scopes=["solutions:read"], acting_user=acme_admin)
        solution_access_grant(solution_code="attendance", role=roles["supervisor"], acting_user=acme_admin)
        assignment_create(role=roles["team-lead"], api_key=api_key, scope_entity=acme_root, acting_user=acme_admin)
    body = acme_client.get(SOLUTIONS, HTTP_AUTHORIZATION=f"Api-Key {raw}").json()
    assert {s["code"]: s["has_access"] for s in body} == {"attendance": True, "tasks": False, "leave": False}
