"""Tenant API for roles, assignments and explanations: access per caller, validation, query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.access.models import AssignmentStatus, Role, RoleAssignment
from apps.access.services import assignment_create, assignment_revoke, role_create
from apps.accounts.models import Membership
from apps.integrations.services import api_key_create
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = "/api/v1/roles/"
ASSIGNMENTS = "/api/v1/assignments/"
EXPLAIN = "/api/v1/access/explain/"


def role_url(role):
    return f"{ROLES}{role.uuid}/"


def assignment_url(assignment):
    return f"{ASSIGNMENTS}{assignment.uuid}/"


def give(role, scope, acting_user=None, **principal):
    return assignment_create(role=role, scope_entity=scope, acting_user=acting_user, reason="Test", **principal)


@pytest.fixture
def make_key(acme, acme_admin):
    """make_key(scopes) -> (ApiKey, Authorization header kwargs), created in Acme's schema."""

    def make(scopes):
        with tenant_context(acme):
            api_key, raw = api_key_create(name=f"Key {'/'.join(scopes)}", scopes=list(scopes), acting_user=acme_admin)
        return api_key, {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}

    return make


# --- Roles --------------------------------------------------------------------------------------


def test_members_list_roles_with_inherited_and_effective_permissions(acme_client, acme_member, roles):
    acme_client.force_login(acme_member)
    response = acme_client.get(ROLES)
    assert response.status_code == 200
    by_code = {role["code"]: role for role in response.json()["results"]}
    manager = by_code["manager"]
    assert manager["parent"]["code"] == "viewer" and manager["is_system"] is True
    inherited = {p["permission"]: p["role"]["code"] for p in manager["inherited_permissions"]}
    assert inherited["organisation.view_people"] == "viewer" and inherited["organisation.view_entity"] == "member"
    assert "organisation.assign_roles" not in inherited
    effective = {p["permission"]: p["conditions"] for p in manager["effective_permissions"]}
    assert effective["organisation.assign_roles"] == [] and effective["organisation.view_memberprofile"] == []
    member = by_code["member"]
    own_profile = {"permission": "organisation.view_memberprofile", "conditions": ["own_records"]}
    assert member["inherited_permissions"] == [] and own_profile in member["permissions"]
    one = acme_client.get(role_url(roles["viewer"])).json()
    assert one["code"] == "viewer" and one["inherited_permissions"][0]["role"]["code"] == "member"


def test_role_list_queries_do_not_grow_with_roles(acme, acme_client, acme_member, roles):
    acme_client.force_login(acme_member)

    def add(start, count):
        with tenant_context(acme):
            parent = roles["manager"]
            for i in range(start, start + count):
                parent = role_create(code=f"r{i}", name=f"R{i}", permissions=["organisation.view_people"],
                                     parent=parent, acting_user=None)  # fmt: skip

    add(0, 3)
    with CaptureQueriesContext(connection) as few:
        assert acme_client.get(ROLES).status_code == 200
    add(3, 17)
    with CaptureQueriesContext(connection) as many:
        assert len(acme_client.get(ROLES).json()["results"]) == 24
    assert len(many) <= len(few)


def test_admin_creates_changes_and_deletes_a_role(acme, acme_client, acme_admin, roles):
    acme_client.force_login(acme_admin)
    response = acme_client.post(ROLES, {
        "code": "auditor", "name": "Auditor", "parent": str(roles["viewer"].uuid),
        "permissions": [{"permission": "organisation.change_memberprofile", "conditions": ["own_records"]},
                        {"permission": "organisation.view_security_policy"}],
    }, content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["parent"]["code"] == "viewer" and len(body["permissions"]) == 2
    assert {"permission": "organisation.view_people", "conditions": [], "role": body["parent"]} in [
        {**p, "role": p["role"]} for p in body["inherited_permissions"]
    ]
    url = f"{ROLES}{body['uuid']}/"
    changed = acme_client.patch(url, {"name": "Auditor (read)", "parent": None}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["parent"] is None
    assert changed.json()["inherited_permissions"] == [] and len(changed.json()["permissions"]) == 2
    replaced = acme_client.put(url, {"code": "auditor", "name": "Auditor", "permissions": []},
                               content_type="application/json")  # fmt: skip
    assert replaced.status_code == 200 and replaced.json()["permissions"] == []
    assert acme_client.delete(url).status_code == 204
    with tenant_context(acme):
        assert not Role.objects.filter(code="auditor").exists()


@pytest.mark.parametrize(
    ("payload", "code", "fragment"),
    [
        ({"permissions": [{"permission": "organisation.fly"}]}, "invalid_permission", "Unknown permission"),
        ({"permissions": [{"permission": "organisation.view_entity", "conditions": ["own_records"]}]},
         "invalid_permission", "only applies to permissions on organisation.memberprofile"),
        ({"permissions": [{"permission": "organisation.view_entity", "conditions": ["weekends"]}]},
         "invalid_choice", "not a valid choice"),
        ({"name": "viewer"}, "unique", "A role with this name already exists."),
        ({"code": "manager"}, "unique", "A role with this code already exists."),
        ({"parent": "00000000-0000-0000-0000-000000000000"}, "does_not_exist", "does not exist"),
    ],
)  # fmt: skip
def test_bad_role_input_is_a_coded_400_and_writes_nothing(
    acme, acme_client, acme_admin, roles, payload, code, fragment
):
    acme_client.force_login(acme_admin)
    response = acme_client.post(ROLES, {"code": "fresh", "name": "Fresh", **payload}, content_type="application/json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert fragment in body["detail"] and body["code"] == code, body
    with tenant_context(acme):
        assert not Role.objects.filter(name="Fresh").exists()


def test_a_parent_below_the_role_is_a_cycle_400(acme, acme_client, acme_admin, roles):
    acme_client.force_login(acme_admin)
    response = acme_client.patch(role_url(roles["viewer"]), {"parent": str(roles["manager"].uuid)},
                                 content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and response.json()["code"] == "cycle"
    assert "cannot inherit from itself or its descendants" in response.json()["detail"]
    with tenant_context(acme):
        assert Role.objects.get(pk=roles["viewer"].pk).parent_id == roles["member"].pk


def test_default_roles_cannot_be_deleted_or_renamed_in_code(acme_client, acme_admin, roles):
    acme_client.force_login(acme_admin)
    response = acme_client.delete(role_url(roles["viewer"]))
    assert response.status_code == 400 and response.json()["code"] == "system_role"
    response = acme_client.patch(role_url(roles["viewer"]), {"code": "watcher"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "system_role"


def test_role_writes_are_for_tenant_admins(acme_client, acme_member, roles):
    acme_client.force_login(acme_member)
    response = acme_client.post(ROLES, {"code": "x", "name": "X"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "tenant_admin_required"
    assert (
        acme_client.patch(role_url(roles["member"]), {"name": "Y"}, content_type="application/json").status_code == 403
    )
    assert acme_client.delete(role_url(roles["member"])).status_code == 403


def test_outsiders_and_anonymous_cannot_use_roles(acme_client, globex_member, roles):
    for url in (ROLES, role_url(roles["member"])):
        response = acme_client.get(url)
        assert response.status_code == 403 and response.json()["code"] == "not_authenticated"
    acme_client.force_login(globex_member)
    response = acme_client.get(ROLES)
    assert response.status_code == 403 and response.json()["code"] == "not_member"
    assert acme_client.get(role_url(roles["member"])).status_code == 403


def test_api_keys_need_the_access_scopes_for_roles(acme, acme_client, make_key, roles):
    _, other = make_key(["members:read", "organisation:read"])
    response = acme_client.get(ROLES, **other)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    _, reader = make_key(["access:read"])
    assert acme_client.get(ROLES, **reader).status_code == 200
    response = acme_client.post(ROLES, {"code": "k", "name": "K"}, content_type="application/json", **reader)
    assert response.status_code == 403 and "access:write" in response.json()["detail"]
    _, writer = make_key(["access:read", "access:write"])
    response = acme_client.post(ROLES, {"code": "k", "name": "K"}, content_type="application/json", **writer)
    assert response.status_code == 201


def test_another_tenants_role_is_404(globex, globex_client, roles):
    globex_admin = MembershipFactory(tenant=globex, role=Membership.Role.TENANT_ADMIN).user
    globex_client.force_login(globex_admin)
    assert globex_client.get(role_url(roles["manager"])).status_code == 404
    assert globex_client.delete(role_url(roles["manager"])).status_code == 404


# --- Assignments --------------------------------------------------------------------------------


def test_admin_lists_assignments_with_every_filter(acme, acme_client, acme_admin, make_key, roles, tree, person):
    ann, bob = person("ann"), person("bob")
    api_key, _ = make_key(["access:read"])
    soon = timezone.now() + timedelta(days=2)
    with tenant_context(acme):
        direct = give(roles["viewer"], tree.sales, user=ann, valid_until=soon)
        team = give(roles["member"], tree.support, team=tree.east)
        keyed = give(roles["viewer"], tree.east, api_key=api_key)
        ended = give(roles["manager"], tree.root, user=bob)
        assignment_revoke(assignment=ended, acting_user=acme_admin, reason="Left")
    acme_client.force_login(acme_admin)

    def listed(**query):
        response = acme_client.get(ASSIGNMENTS, query)
        assert response.status_code == 200, response.json()
        return {row["uuid"] for row in response.json()["results"]}

    every = {str(a.uuid) for a in (direct, team, keyed, ended)}
    assert listed() == every
    assert listed(status="revoked") == {str(ended.uuid)}
    assert listed(role=str(roles["viewer"].uuid)) == {str(direct.uuid), str(keyed.uuid)}
    assert listed(user=str(ann.pk)) == {str(direct.uuid)}
    assert listed(team=str(tree.east.uuid)) == {str(team.uuid)}
    assert listed(api_key=api_key.pk) == {str(keyed.uuid)}
    assert listed(scope_entity=str(tree.support.uuid)) == {str(team.uuid)}
    assert listed(expiring_before=(timezone.now() + timedelta(days=3)).isoformat()) == {str(direct.uuid)}
    assert listed(expiring_soon="true") == {str(direct.uuid)}
    assert listed(principal_kind="api_key") == {str(keyed.uuid)}
    row = acme_client.get(assignment_url(direct)).json()
    assert row["principal_kind"] == "user" and row["user"]["email"] == "ann@acme.test"
    assert row["scope_entity"]["name"] == "Sales" and row["status"] == "active" and row["reason"] == "Test"
    bad = acme_client.get(ASSIGNMENTS, {"status": "sleeping"})
    assert bad.status_code == 400


def test_a_member_lists_only_their_own_assignments(acme, acme_client, roles, tree, person):
    ann, bob = person("ann", entity=tree.east), person("bob")
    with tenant_context(acme):
        own = give(roles["viewer"], tree.sales, user=ann)
        via_team = give(roles["member"], tree.sales, team=tree.east)
        other = give(roles["viewer"], tree.sales, user=bob)
    acme_client.force_login(ann)
    rows = acme_client.get(ASSIGNMENTS).json()["results"]
    assert {row["uuid"] for row in rows} == {str(own.uuid), str(via_team.uuid)}
    assert acme_client.get(assignment_url(other)).status_code == 404


def test_an_api_key_sees_its_own_assignments_and_those_it_may_manage(acme, acme_client, make_key, roles, tree, person):
    ann = person("ann")
    api_key, header = make_key(["access:read", "access:write"])
    _, bare = make_key(["access:read"])
    with tenant_context(acme):
        own = give(roles["manager"], tree.sales, api_key=api_key)
        managed = give(roles["viewer"], tree.east, user=ann)
        outside = give(roles["viewer"], tree.support, user=ann)
    rows = {row["uuid"] for row in acme_client.get(ASSIGNMENTS, **header).json()["results"]}
    assert rows == {str(own.uuid), str(managed.uuid)} and str(outside.uuid) not in rows
    assert acme_client.get(ASSIGNMENTS, **bare).json()["results"] == []  # a key without assignments sees nothing
    _, wrong_scope = make_key(["organisation:read"])
    response = acme_client.get(ASSIGNMENTS, **wrong_scope)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_assignment_list_queries_do_not_grow_with_rows(acme, acme_client, acme_admin, roles, tree, person):
    people = [person(f"p{i}") for i in range(20)]
    acme_client.force_login(acme_admin)

    def add(users):
        with tenant_context(acme):
            for user in users:
                give(roles["viewer"], tree.sales, user=user, acting_user=acme_admin)

    add(people[:3])
    with CaptureQueriesContext(connection) as few:
        assert acme_client.get(ASSIGNMENTS).status_code == 200
    add(people[3:])
    with CaptureQueriesContext(connection) as many:
        assert len(acme_client.get(ASSIGNMENTS).json()["results"]) == 20
    assert len(many) <= len(few)


def _payload(role, scope, **extra):
    return {"role": str(role.uuid), "scope_entity": str(scope.uuid), "reason": "Cover", **extra}


def test_admin_gives_a_role_and_it_takes_effect(acme, acme_client, acme_admin, roles, tree, person):
    ann = person("ann")
    acme_client.force_login(acme_admin)
    until = (timezone.now() + timedelta(days=30)).isoformat()
    response = acme_client.post(ASSIGNMENTS, _payload(roles["viewer"], tree.sales, user=str(ann.pk), valid_until=until),
                                content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "active" and body["created_by"] == acme_admin.code and body["valid_until"]
    team = acme_client.post(ASSIGNMENTS, _payload(roles["member"], tree.sales, team=str(tree.east.uuid)),
                            content_type="application/json")  # fmt: skip
    assert team.status_code == 201 and team.json()["principal_kind"] == "team"
    with tenant_context(acme):
        assert RoleAssignment.objects.count() == 2


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"valid_from": "2031-01-02T10:00:00Z", "valid_until": "2031-01-01T10:00:00Z"}, "ends_before_start"),
        ({"valid_until": "2001-01-01T10:00:00Z"}, "already_over"),
        ({"user": None}, "one_principal"),
        ({"team": "TEAM"}, "one_principal"),
        ({"reason": ""}, "blank"),
        ({"role": "00000000-0000-0000-0000-000000000000"}, "does_not_exist"),
    ],
)
def test_bad_assignment_input_is_a_coded_400_and_writes_nothing(
    acme, acme_client, acme_admin, roles, tree, person, extra, code
):
    ann = person("ann")
    if extra.get("team") == "TEAM":
        extra = {"team": str(tree.east.uuid)}  # a user and a team at once
    acme_client.force_login(acme_admin)
    payload = {**_payload(roles["viewer"], tree.sales, user=str(ann.pk)), **extra}
    response = acme_client.post(ASSIGNMENTS, payload, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == code, response.json()
    with tenant_context(acme):
        assert not RoleAssignment.objects.exists()


def test_people_of_other_tenants_cannot_be_given_roles(acme, acme_client, acme_admin, globex_member, roles, tree):
    acme_client.force_login(acme_admin)
    response = acme_client.post(ASSIGNMENTS, _payload(roles["viewer"], tree.sales, user=str(globex_member.pk)),
                                content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and response.json()["code"] == "does_not_exist"


def test_a_delegated_assigner_gives_roles_within_their_scope_and_rights_only(acme, acme_client, roles, tree, person):
    mia, ann = person("mia"), person("ann")
    with tenant_context(acme):
        give(roles["manager"], tree.sales, user=mia)
    acme_client.force_login(mia)

    def post(role, scope):
        return acme_client.post(ASSIGNMENTS, _payload(role, scope, user=str(ann.pk)), content_type="application/json")

    outside = post(roles["viewer"], tree.support)
    assert outside.status_code == 403 and outside.json()["code"] == "assign_roles_required"
    beyond = post(roles["tenant-admin"], tree.east)
    assert beyond.status_code == 400 and beyond.json()["code"] == "beyond_own_rights"
    assert post(roles["viewer"], tree.east).status_code == 201


def test_members_without_assign_rights_cannot_give_roles(acme, acme_client, acme_member, roles, tree):
    acme_client.force_login(acme_member)
    response = acme_client.post(ASSIGNMENTS, _payload(roles["tenant-admin"], tree.root, user=str(acme_member.pk)),
                                content_type="application/json")  # fmt: skip
    assert response.status_code == 403 and response.json()["code"] == "assign_roles_required"
    with tenant_context(acme):
        assert not RoleAssignment.objects.exists()


def test_an_api_key_gives_roles_only_where_its_assignments_let_it(acme, acme_client, make_key, roles, tree, person):
    ann = person("ann")
    api_key, writer = make_key(["access:read", "access:write"])
    payload = _payload(roles["viewer"], tree.east, user=str(ann.pk))
    refused = acme_client.post(ASSIGNMENTS, payload, content_type="application/json", **writer)
    assert refused.status_code == 403 and refused.json()["code"] == "assign_roles_required"
    with tenant_context(acme):
        give(roles["manager"], tree.sales, api_key=api_key)
    created = acme_client.post(ASSIGNMENTS, payload, content_type="application/json", **writer)
    assert created.status_code == 201 and created.json()["created_by"] is None
    _, reader = make_key(["access:read"])
    response = acme_client.post(ASSIGNMENTS, payload, content_type="application/json", **reader)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_revoke_with_a_reason(acme, acme_client, acme_admin, roles, tree, person):
    ann = person("ann")
    with tenant_context(acme):
        assignment = give(roles["viewer"], tree.sales, user=ann)
    acme_client.force_login(acme_admin)
    url = f"{assignment_url(assignment)}revoke/"
    missing = acme_client.post(url, {}, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["code"] == "required"
    response = acme_client.post(url, {"reason": "Project over"}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "revoked" and body["end_reason"] == "Project over" and body["ended_by"] == acme_admin.code
    again = acme_client.post(url, {"reason": "Twice"}, content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "already_ended"
    with tenant_context(acme):
        assert RoleAssignment.objects.get(pk=assignment.pk).status == AssignmentStatus.REVOKED


def test_members_and_outsiders_cannot_revoke(acme, acme_client, acme_member, globex_member, roles, tree):
    with tenant_context(acme):
        assignment = give(roles["viewer"], tree.sales, user=acme_member)
    url = f"{assignment_url(assignment)}revoke/"
    anonymous = acme_client.post(url, {"reason": "x"}, content_type="application/json")
    assert anonymous.status_code == 403 and anonymous.json()["code"] == "not_authenticated"
    acme_client.force_login(acme_member)
    response = acme_client.post(url, {"reason": "Mine"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "assign_roles_required"
    acme_client.force_login(globex_member)
    assert acme_client.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    assert acme_client.get(assignment_url(assignment)).status_code == 403
    with tenant_context(acme):
        assert RoleAssignment.objects.get(pk=assignment.pk).status == AssignmentStatus.ACTIVE


def test_another_tenants_assignment_is_404(acme, globex, globex_client, roles, tree, person):
    with tenant_context(acme):
        assignment = give(roles["viewer"], tree.sales, user=person("ann"))
    globex_admin = MembershipFactory(tenant=globex, role=Membership.Role.TENANT_ADMIN).user
    globex_client.force_login(globex_admin)
    assert globex_client.get(assignment_url(assignment)).status_code == 404
    response = globex_client.post(f"{assignment_url(assignment)}revoke/", {"reason": "x"},
                                  content_type="application/json")  # fmt: skip
    assert response.status_code == 404


# --- Explain ------------------------------------------------------------------------------------


def test_a_member_explains_their_own_access(acme, acme_client, roles, tree, person):
    ann = person("ann", entity=tree.east)
    with tenant_context(acme):
        assignment = give(roles["manager"], tree.sales, team=tree.east)
    acme_client.force_login(ann)
    response = acme_client.get(EXPLAIN, {"permission": "organisation.view_people", "entity": str(tree.east.uuid)})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["allowed"] is True and body["user"]["email"] == "ann@acme.test" and body["tenant_admin"] is False
    (why,) = body["explanations"]
    assert why["assignment"] == str(assignment.uuid) and why["principal_kind"] == "team"
    assert why["role"]["code"] == "manager" and why["via_role"]["code"] == "viewer"
    assert why["team"]["name"] == "Sales East" and "Sales and everything below it" in why["scope"]
    no = acme_client.get(EXPLAIN, {"permission": "organisation.view_people", "entity": str(tree.support.uuid)})
    assert no.json()["allowed"] is False and no.json()["explanations"] == []
    everything = acme_client.get(EXPLAIN).json()
    assert everything["allowed"] is None and everything["assignments"][0]["assignment"]["uuid"] == str(assignment.uuid)
    given = {p["permission"]: p["via_role"]["code"] for p in everything["assignments"][0]["permissions"]}
    assert given["organisation.assign_roles"] == "manager" and given["organisation.view_entity"] == "member"


def test_admins_explain_anyone_members_only_themselves(acme, acme_client, acme_admin, acme_member, roles, tree):
    acme_client.force_login(acme_member)
    for value in (str(acme_admin.pk), acme_admin.code):
        response = acme_client.get(EXPLAIN, {"user": value})
        assert response.status_code == 403 and response.json()["code"] == "tenant_admin_required"
    assert acme_client.get(EXPLAIN, {"user": acme_member.code}).status_code == 200
    acme_client.force_login(acme_admin)
    body = acme_client.get(EXPLAIN, {"user": acme_member.code, "permission": "organisation.view_entity"}).json()
    assert body["user"]["code"] == acme_member.code and body["allowed"] is False
    admin = acme_client.get(EXPLAIN, {"permission": "organisation.manage_branding"}).json()
    assert admin["tenant_admin"] is True and admin["explanations"][0]["principal_kind"] == "tenant_admin"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"permission": "organisation.fly"}, 400, "invalid_permission"),
        ({"permission": "organisation.view_memberprofile", "entity": "ENTITY"}, 400, "permission_not_for_entity"),
        ({"permission": "organisation.view_entity", "entity": "00000000-0000-0000-0000-000000000000"}, 400,
         "invalid_entity"),
        ({"entity": "not-a-uuid"}, 400, "invalid"),
        ({"user": "nobody"}, 404, "not_found"),
        ({"user": "USR-NOBODY0000"}, 404, "not_found"),
    ],
)  # fmt: skip
def test_explain_input_errors(acme_client, acme_admin, tree, query, status, code):
    if query.get("entity") == "ENTITY":
        query = {**query, "entity": str(tree.sales.uuid)}
    acme_client.force_login(acme_admin)
    response = acme_client.get(EXPLAIN, query)
    assert response.status_code == status and response.json()["code"] == code, response.json()


def test_an_api_key_explains_itself_only(acme, acme_client, acme_member, make_key, roles, tree):
    api_key, header = make_key(["access:read"])
    with tenant_context(acme):
        give(roles["viewer"], tree.sales, api_key=api_key)
    body = acme_client.get(EXPLAIN, {"permission": "organisation.view_people", "entity": str(tree.east.uuid)},
                           **header).json()  # fmt: skip
    assert body["allowed"] is True and body["api_key"]["id"] == api_key.pk and body["user"] is None
    assert body["explanations"][0]["principal_kind"] == "api_key"
    other = acme_client.get(EXPLAIN, {"user": str(acme_member.pk)}, **header)
    assert other.status_code == 403 and other.json()["code"] == "tenant_admin_required"
    _, wrong = make_key(["organisation:read"])
    assert acme_client.get(EXPLAIN, **wrong).json()["code"] == "insufficient_scope"


def test_outsiders_and_anonymous_cannot_explain(acme_client, globex_member):
    anonymous = acme_client.get(EXPLAIN)
    assert anonymous.status_code == 403 and anonymous.json()["code"] == "not_authenticated"
    acme_client.force_login(globex_member)
    response = acme_client.get(EXPLAIN)
    assert response.status_code == 403 and response.json()["code"] == "not_member"
