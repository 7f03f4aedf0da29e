"""Portal pages for roles, assignments and explanations: who may look, who may change, what they see."""

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

ROLES = "/manage/access/roles/"
NEW_ROLE = "/manage/access/roles/new/"
ASSIGNMENTS = "/manage/access/assignments/"
NEW_ASSIGNMENT = "/manage/access/assignments/new/"
EXPLAIN = "/manage/access/explain/"
MINE = "/manage/access/my-access/"


def edit_url(role):
    return f"/manage/access/roles/{role.uuid}/edit/"


def delete_url(role):
    return f"/manage/access/roles/{role.uuid}/delete/"


def detail_url(assignment):
    return f"/manage/access/assignments/{assignment.uuid}/"


def revoke_url(assignment):
    return f"/manage/access/assignments/{assignment.uuid}/revoke/"


def give(role, scope, acting_user=None, **principal):
    return assignment_create(role=role, scope_entity=scope, acting_user=acting_user, reason="Test", **principal)


def page(response) -> str:
    return response.content.decode()


# --- Roles --------------------------------------------------------------------------------------


def test_members_see_the_role_tree_with_inherited_permissions_and_conditions(acme_client, acme_member, roles):
    acme_client.force_login(acme_member)
    response = acme_client.get(ROLES)
    assert response.status_code == 200
    html = page(response)
    assert html.index("Member") < html.index("Viewer") < html.index("Manager") < html.index("Tenant admin")
    assert "Inherits from" in html and "from Member" in html and "from Viewer" in html
    assert "Own records only" in html  # the member role's condition on its own profile
    assert "Assign roles <code>organisation.assign_roles</code>" in html
    assert "Create a role" not in html and "/edit/" not in html


def test_admin_sees_create_edit_and_delete_links(acme_client, acme_admin, roles):
    acme_client.force_login(acme_admin)
    html = page(acme_client.get(ROLES))
    assert "Create a role" in html and edit_url(roles["viewer"]) in html
    assert delete_url(roles["viewer"]) not in html  # a default role cannot be deleted


def test_outsiders_and_anonymous_cannot_see_roles(acme_client, globex_member):
    assert acme_client.get(ROLES).status_code == 302
    acme_client.force_login(globex_member)
    assert acme_client.get(ROLES).status_code == 403


def test_role_list_queries_do_not_grow_with_roles(acme, acme_client, acme_member, roles):
    acme_client.force_login(acme_member)

    def add(count, start):
        with tenant_context(acme):
            parent = roles["viewer"]
            for i in range(start, start + count):
                parent = role_create(code=f"r{i}", name=f"R{i}", permissions=["organisation.view_people"],
                                     parent=parent if i % 2 else roles["member"], acting_user=None)  # fmt: skip

    add(3, 0)
    with CaptureQueriesContext(connection) as few:
        assert acme_client.get(ROLES).status_code == 200
    add(17, 3)
    with CaptureQueriesContext(connection) as many:
        assert acme_client.get(ROLES).status_code == 200
    assert len(many) <= len(few)


def test_admin_creates_a_role_with_parent_permissions_and_conditions(acme, acme_client, acme_admin, roles):
    acme_client.force_login(acme_admin)
    form = page(acme_client.get(NEW_ROLE))
    assert 'value="organisation.view_people"' in form and "Own records only" in form
    response = acme_client.post(NEW_ROLE, {
        "code": "auditor", "name": "Auditor", "description": "Reads everything", "parent": roles["viewer"].pk,
        "permissions": ["organisation.view_security_policy", "organisation.change_memberprofile"],
        "condition_own_records": ["organisation.change_memberprofile"],
    })  # fmt: skip
    assert response.status_code == 302
    with tenant_context(acme):
        role = Role.objects.get(code="auditor")
    assert role.parent == roles["viewer"] and role.description == "Reads everything"
    assert role.permissions == [
        {"permission": "organisation.change_memberprofile", "conditions": ["own_records"]},
        {"permission": "organisation.view_security_policy", "conditions": []},
    ]
    assert "Auditor" in page(acme_client.get(response["Location"]))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"permissions": ["organisation.fly"]}, "permissions", "Unknown permission: organisation.fly."),
        ({"permissions": ["organisation.view_entity"], "condition_own_records": ["organisation.view_entity"]},
         "condition_own_records", "does not apply to organisation.view_entity"),
        ({"permissions": [], "condition_scope_only": ["organisation.view_entity"]},
         "condition_scope_only", "does not carry: organisation.view_entity"),
        ({"name": "viewer"}, "name", "A role with this name already exists."),
        ({"code": "manager"}, "code", "A role with this code already exists."),
        ({"code": "not a slug"}, "code", "Enter a valid"),
    ],
)  # fmt: skip
def test_bad_role_input_is_a_form_error_and_writes_nothing(acme, acme_client, acme_admin, roles, data, field, message):
    acme_client.force_login(acme_admin)
    response = acme_client.post(NEW_ROLE, {"code": "fresh", "name": "Fresh", **data})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in e for e in errors[field]), errors
    with tenant_context(acme):
        assert (
            not Role.objects.filter(name="Fresh").exists() and Role.objects.filter(name__iexact="viewer").count() == 1
        )


def test_a_parent_below_the_role_is_a_cycle_error(acme, acme_client, acme_admin, roles):
    acme_client.force_login(acme_admin)
    viewer = roles["viewer"]
    response = acme_client.post(edit_url(viewer), {"code": "viewer", "name": "Viewer", "parent": roles["manager"].pk,
                                                   "permissions": ["organisation.view_people"]})  # fmt: skip
    assert response.status_code == 400
    assert "cannot inherit from itself or its own descendants" in response.context["form"].errors["parent"][0]
    with tenant_context(acme):
        viewer.refresh_from_db()
    assert viewer.parent == roles["member"] and viewer.name == "Viewer"


def test_admin_edits_a_role_and_the_form_shows_what_is_inherited(acme, acme_client, acme_admin, roles):
    with tenant_context(acme):
        role = role_create(code="x", name="X", permissions=["organisation.view_people"], parent=roles["member"],
                           acting_user=None)  # fmt: skip
    acme_client.force_login(acme_admin)
    html = page(acme_client.get(edit_url(role)))
    assert "inherited from Member" in html and 'value="organisation.view_people" checked' in html
    response = acme_client.post(edit_url(role), {"code": "x2", "name": "X two", "parent": "",
                                                 "permissions": ["organisation.view_entity"]})  # fmt: skip
    assert response.status_code == 302
    with tenant_context(acme):
        role.refresh_from_db()
    assert (role.code, role.name, role.parent) == ("x2", "X two", None)
    assert role.permissions == [{"permission": "organisation.view_entity", "conditions": []}]


def test_a_default_roles_code_cannot_be_changed_in_the_form(acme, acme_client, acme_admin, roles):
    acme_client.force_login(acme_admin)
    response = acme_client.post(edit_url(roles["viewer"]), {
        "code": "watcher", "name": "Viewer", "parent": roles["member"].pk, "permissions": ["organisation.view_people"],
    })  # fmt: skip
    assert response.status_code == 302
    with tenant_context(acme):
        assert Role.objects.get(pk=roles["viewer"].pk).code == "viewer"


def test_admin_deletes_an_unused_role_but_not_a_default_one(acme, acme_client, acme_admin, roles):
    with tenant_context(acme):
        role = role_create(code="tmp", name="Temporary", permissions=[], acting_user=None)
    acme_client.force_login(acme_admin)
    assert "Delete the role “Temporary”" in page(acme_client.get(delete_url(role)))
    assert acme_client.post(delete_url(role)).status_code == 302
    response = acme_client.post(delete_url(roles["viewer"]))
    assert response.status_code == 400 and "default role and cannot be deleted" in page(response)
    with tenant_context(acme):
        assert not Role.objects.filter(code="tmp").exists() and Role.objects.filter(code="viewer").exists()


def test_role_writes_are_for_tenant_admins_only(acme, acme_client, acme_member, globex_member, roles):
    with tenant_context(acme):
        role = role_create(code="tmp", name="Temporary", permissions=[], acting_user=None)
    urls = [NEW_ROLE, edit_url(role), delete_url(role)]
    for url in urls:
        assert acme_client.get(url).status_code == 302  # anonymous: to the sign-in page
    for user in (acme_member, globex_member):
        acme_client.force_login(user)
        for url in urls:
            assert acme_client.get(url).status_code == 403
            assert acme_client.post(url, {"code": "hack", "name": "Hack"}).status_code == 403
    with tenant_context(acme):
        assert Role.objects.filter(code="tmp").exists() and not Role.objects.filter(code="hack").exists()


def test_unknown_role_is_404(acme_client, acme_admin, roles):
    acme_client.force_login(acme_admin)
    assert acme_client.get("/manage/access/roles/00000000-0000-0000-0000-000000000000/edit/").status_code == 404


# --- Assignments: list --------------------------------------------------------------------------


def test_admin_lists_assignments_with_filters_and_expiry_highlighted(
    acme, acme_client, acme_admin, acme_member, roles, tree, person
):
    ann = person("ann")
    soon = timezone.now() + timedelta(days=3)
    with tenant_context(acme):
        expiring = give(roles["viewer"], tree.sales, user=ann, valid_until=soon)
        team = give(roles["member"], tree.support, team=tree.east)
        revoked = give(roles["manager"], tree.root, user=acme_member)
        assignment_revoke(assignment=revoked, acting_user=acme_admin, reason="Left the project")
    acme_client.force_login(acme_admin)
    html = page(acme_client.get(ASSIGNMENTS))
    assert html.count("/manage/access/assignments/") >= 3 and "Give a role" in html
    assert '<mark class="expiring"' in html and "Team Sales East" in html and "Test" in html

    def listed(query):
        response = acme_client.get(ASSIGNMENTS, query)
        return {a.pk for a in response.context["assignments"]}

    assert listed({"status": "revoked"}) == {revoked.pk}
    assert listed({"role": str(roles["viewer"].uuid)}) == {expiring.pk}
    assert listed({"principal_kind": "team"}) == {team.pk}
    assert listed({"expiring_soon": "true"}) == {expiring.pk}
    assert listed({"status": "active", "principal_kind": "user"}) == {expiring.pk}


def test_a_member_sees_only_their_own_assignments(acme, acme_client, roles, tree, person):
    ann, bob = person("ann", entity=tree.east), person("bob")
    with tenant_context(acme):
        own = give(roles["viewer"], tree.sales, user=ann)
        via_team = give(roles["member"], tree.sales, team=tree.east)
        other = give(roles["viewer"], tree.sales, user=bob)
    acme_client.force_login(ann)
    response = acme_client.get(ASSIGNMENTS)
    assert {a.pk for a in response.context["assignments"]} == {own.pk, via_team.pk}
    assert "Give a role" not in page(response)
    assert acme_client.get(detail_url(other)).status_code == 404
    assert acme_client.get(detail_url(own)).status_code == 200


def test_a_delegated_assigner_sees_the_assignments_of_their_scope(acme, acme_client, roles, tree, person):
    mia, ann, bob = person("mia"), person("ann"), person("bob")
    with tenant_context(acme):
        give(roles["manager"], tree.sales, user=mia)
        in_scope = give(roles["viewer"], tree.east, user=ann)
        outside = give(roles["viewer"], tree.support, user=bob)
    acme_client.force_login(mia)
    response = acme_client.get(ASSIGNMENTS)
    listed = {a.pk for a in response.context["assignments"]}
    assert in_scope.pk in listed and outside.pk not in listed and "Give a role" in page(response)


def test_outsiders_and_anonymous_cannot_list_assignments(acme_client, globex_member):
    assert acme_client.get(ASSIGNMENTS).status_code == 302
    acme_client.force_login(globex_member)
    assert acme_client.get(ASSIGNMENTS).status_code == 403


def test_assignment_list_queries_do_not_grow_with_rows(acme, acme_client, acme_admin, roles, tree, person):
    people = [person(f"p{i}", entity=tree.east) for i in range(20)]
    acme_client.force_login(acme_admin)

    def add(users):
        with tenant_context(acme):
            for i, user in enumerate(users):
                give(roles["viewer"], tree.sales, user=user, valid_until=timezone.now() + timedelta(days=i + 1))
                if i % 5 == 0:
                    give(roles["member"], tree.support, team=tree.east)

    add(people[:3])
    with CaptureQueriesContext(connection) as few:
        assert acme_client.get(ASSIGNMENTS).status_code == 200
    add(people[3:])
    with CaptureQueriesContext(connection) as many:
        assert acme_client.get(ASSIGNMENTS).status_code == 200
    assert len(many) <= len(few)


# --- Assignments: create ------------------------------------------------------------------------


def _assignment_data(role, scope, **extra):
    return {"role": role.pk, "principal_kind": "user", "scope_entity": scope.pk, "reason": "Covers for Ann", **extra}


def test_admin_gives_a_role_to_a_person_and_it_takes_effect(acme, acme_client, acme_admin, roles, tree, person):
    ann = person("ann")
    acme_client.force_login(acme_admin)
    form = page(acme_client.get(NEW_ASSIGNMENT))
    assert "ann@acme.test" in form and "Sales East" in form
    until = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    response = acme_client.post(NEW_ASSIGNMENT, _assignment_data(roles["viewer"], tree.sales, user=ann.pk,
                                                                  valid_until=until))  # fmt: skip
    assert response.status_code == 302
    with tenant_context(acme):
        assignment = RoleAssignment.objects.get(user=ann)
    assert assignment.status == AssignmentStatus.ACTIVE and assignment.created_by == acme_admin
    assert assignment.reason == "Covers for Ann" and assignment.valid_until is not None
    assert response["Location"] == detail_url(assignment)
    html = page(acme_client.get(detail_url(assignment)))
    assert "Created (Active)" in html and "Covers for Ann" in html and acme_admin.get_full_name() in html


def test_admin_gives_a_role_to_a_team_and_to_an_api_key(acme, acme_client, acme_admin, roles, tree):
    with tenant_context(acme):
        api_key, _ = api_key_create(name="ERP", scopes=["access:read"], acting_user=acme_admin)
    acme_client.force_login(acme_admin)
    data = _assignment_data(roles["member"], tree.sales, principal_kind="team", team=tree.east.pk)
    assert acme_client.post(NEW_ASSIGNMENT, data).status_code == 302
    data = _assignment_data(roles["viewer"], tree.sales, principal_kind="api_key", api_key=api_key.pk,
                            user="")  # fmt: skip
    assert acme_client.post(NEW_ASSIGNMENT, data).status_code == 302
    with tenant_context(acme):
        assert RoleAssignment.objects.filter(team=tree.east, user__isnull=True).exists()
        assert RoleAssignment.objects.filter(api_key=api_key, user__isnull=True, team__isnull=True).exists()


def test_a_future_start_schedules_the_assignment(acme, acme_client, acme_admin, roles, tree, person):
    ann = person("ann")
    acme_client.force_login(acme_admin)
    start = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = _assignment_data(roles["viewer"], tree.sales, user=ann.pk, valid_from=start)
    assert acme_client.post(NEW_ASSIGNMENT, data).status_code == 302
    with tenant_context(acme):
        assert RoleAssignment.objects.get(user=ann).status == AssignmentStatus.SCHEDULED


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"valid_from": "2031-01-02T10:00", "valid_until": "2031-01-01T10:00"}, "valid_until",
         "The assignment cannot end before it starts."),
        ({"valid_until": "2001-01-01T10:00"}, "valid_until", "This assignment would already be over."),
        ({"user": ""}, "user", "Choose whom to give the role to."),
        ({"reason": ""}, "reason", "This field is required."),
        ({"principal_kind": "team", "team": ""}, "team", "Choose whom to give the role to."),
    ],
)  # fmt: skip
def test_bad_assignment_input_is_a_form_error_and_writes_nothing(
    acme, acme_client, acme_admin, roles, tree, person, extra, field, message
):
    ann = person("ann")
    acme_client.force_login(acme_admin)
    response = acme_client.post(NEW_ASSIGNMENT, {**_assignment_data(roles["viewer"], tree.sales, user=ann.pk), **extra})
    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    with tenant_context(acme):
        assert not RoleAssignment.objects.exists()


def test_people_of_other_tenants_cannot_be_given_roles(acme, acme_client, acme_admin, globex_member, roles, tree):
    acme_client.force_login(acme_admin)
    response = acme_client.post(NEW_ASSIGNMENT, _assignment_data(roles["viewer"], tree.sales, user=globex_member.pk))
    assert response.status_code == 400 and "user" in response.context["form"].errors
    with tenant_context(acme):
        assert not RoleAssignment.objects.exists()


def test_a_delegated_assigner_gives_roles_within_their_scope_only(acme, acme_client, roles, tree, person):
    mia, ann = person("mia"), person("ann")
    with tenant_context(acme):
        give(roles["manager"], tree.sales, user=mia)
    acme_client.force_login(mia)
    form = page(acme_client.get(NEW_ASSIGNMENT))
    assert "Sales East" in form and "Support" not in form.split('name="scope_entity"')[1].split("</select>")[0]

    outside = acme_client.post(NEW_ASSIGNMENT, _assignment_data(roles["viewer"], tree.support, user=ann.pk))
    assert outside.status_code == 400 and "scope_entity" in outside.context["form"].errors
    beyond = acme_client.post(NEW_ASSIGNMENT, _assignment_data(roles["tenant-admin"], tree.east, user=ann.pk))
    assert beyond.status_code == 400
    assert "only give roles whose permissions you hold in Sales East" in beyond.context["form"].errors["role"][0]
    with tenant_context(acme):
        assert not RoleAssignment.objects.filter(user=ann).exists()

    assert (
        acme_client.post(NEW_ASSIGNMENT, _assignment_data(roles["viewer"], tree.east, user=ann.pk)).status_code == 302
    )
    with tenant_context(acme):
        assert RoleAssignment.objects.get(user=ann).created_by == mia


def test_members_without_assign_rights_and_outsiders_cannot_give_roles(
    acme, acme_client, acme_member, globex_member, roles, tree
):
    assert acme_client.get(NEW_ASSIGNMENT).status_code == 302
    for user in (acme_member, globex_member):
        acme_client.force_login(user)
        assert acme_client.get(NEW_ASSIGNMENT).status_code == 403
        data = _assignment_data(roles["tenant-admin"], tree.root, user=acme_member.pk)
        assert acme_client.post(NEW_ASSIGNMENT, data).status_code == 403
    with tenant_context(acme):
        assert not RoleAssignment.objects.exists()


# --- Assignments: detail and revoke -------------------------------------------------------------


def test_admin_revokes_with_a_reason_and_the_history_says_who_when_why(
    acme, acme_client, acme_admin, roles, tree, person
):
    ann = person("ann")
    with tenant_context(acme):
        assignment = give(roles["viewer"], tree.sales, user=ann, acting_user=acme_admin)
    acme_client.force_login(acme_admin)
    assert "Revoke this assignment" in page(acme_client.get(detail_url(assignment)))
    refused = acme_client.post(revoke_url(assignment), {"reason": ""})
    assert refused.status_code == 400 and "reason" in refused.context["form"].errors
    response = acme_client.post(revoke_url(assignment), {"reason": "Project finished"})
    assert response.status_code == 302
    with tenant_context(acme):
        assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.REVOKED and assignment.ended_by == acme_admin
    assert assignment.end_reason == "Project finished"
    html = page(acme_client.get(detail_url(assignment)))
    assert "status: active → revoked" in html and "Project finished" in html and "Revoke this assignment" not in html
    assert "already ended" in page(acme_client.get(revoke_url(assignment)))


def test_members_cannot_revoke_even_their_own_assignment(acme, acme_client, acme_member, globex_member, roles, tree):
    with tenant_context(acme):
        assignment = give(roles["viewer"], tree.sales, user=acme_member)
    assert acme_client.get(revoke_url(assignment)).status_code == 302
    assert acme_client.get(detail_url(assignment)).status_code == 302
    acme_client.force_login(acme_member)
    assert acme_client.get(detail_url(assignment)).status_code == 200
    assert acme_client.post(revoke_url(assignment), {"reason": "Mine"}).status_code == 403
    acme_client.force_login(globex_member)
    assert acme_client.get(detail_url(assignment)).status_code == 403
    assert acme_client.post(revoke_url(assignment), {"reason": "Theirs"}).status_code == 403
    with tenant_context(acme):
        assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACTIVE


def test_a_delegated_assigner_revokes_within_their_scope(acme, acme_client, roles, tree, person):
    mia, ann = person("mia"), person("ann")
    with tenant_context(acme):
        give(roles["manager"], tree.sales, user=mia)
        assignment = give(roles["viewer"], tree.east, user=ann)
    acme_client.force_login(mia)
    assert acme_client.post(revoke_url(assignment), {"reason": "Moved teams"}).status_code == 302
    with tenant_context(acme):
        assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.REVOKED and assignment.ended_by == mia


def test_another_tenants_assignment_is_404(acme, globex, globex_client, roles, tree, person):
    ann = person("ann")
    with tenant_context(acme):
        assignment = give(roles["viewer"], tree.sales, user=ann)
    globex_admin = MembershipFactory(tenant=globex, role=Membership.Role.TENANT_ADMIN).user
    globex_client.force_login(globex_admin)
    client = globex_client
    assert client.get(detail_url(assignment)).status_code == 404
    assert client.post(revoke_url(assignment), {"reason": "x"}).status_code == 404


# --- Explain ------------------------------------------------------------------------------------


def test_admin_explains_why_a_person_may_do_something(acme, acme_client, acme_admin, roles, tree, person):
    ann = person("ann", entity=tree.east)
    until = timezone.now() + timedelta(days=10)
    with tenant_context(acme):
        give(roles["manager"], tree.sales, team=tree.east, valid_until=until)
    acme_client.force_login(acme_admin)
    response = acme_client.get(EXPLAIN, {"user": ann.pk, "permission": "organisation.view_people",
                                         "entity": tree.east.pk})  # fmt: skip
    assert response.status_code == 200
    html = page(response)
    assert "<strong>Yes.</strong>" in html and "inherited from Viewer" in html
    assert "through the team Sales East" in html and "Sales and everything below it" in html
    no = acme_client.get(EXPLAIN, {"user": ann.pk, "permission": "organisation.view_people",
                                   "entity": tree.support.pk})  # fmt: skip
    assert "<strong>No.</strong>" in page(no)


def test_explain_everything_lists_each_assignment_with_what_it_gives(
    acme, acme_client, acme_admin, roles, tree, person
):
    ann = person("ann")
    with tenant_context(acme):
        give(roles["viewer"], tree.sales, user=ann)
    acme_client.force_login(acme_admin)
    html = page(acme_client.get(EXPLAIN, {"user": ann.pk}))
    assert "Viewer" in html and "given directly" in html and "organisation.view_people" in html
    assert "inherited from Member" in html
    admin = page(acme_client.get(EXPLAIN, {"user": acme_admin.pk, "permission": "organisation.manage_branding"}))
    assert "Tenant admin of Acme" in admin and "<strong>Yes.</strong>" in admin


def test_a_member_sees_their_own_access_only(acme, acme_client, acme_member, acme_admin, roles, tree):
    with tenant_context(acme):
        give(roles["viewer"], tree.sales, user=acme_member)
    acme_client.force_login(acme_member)
    mine = acme_client.get(MINE)
    assert mine.status_code == 200 and "organisation.view_people" in page(mine)
    assert acme_client.get(EXPLAIN).status_code == 200  # themselves by default
    assert acme_client.get(EXPLAIN, {"user": acme_admin.pk}).status_code == 403
    assert acme_client.get(MINE, {"user": acme_admin.pk}).status_code == 403


def test_explain_input_errors_are_form_errors(acme_client, acme_admin, tree):
    acme_client.force_login(acme_admin)
    wrong = acme_client.get(EXPLAIN, {"user": acme_admin.pk, "permission": "organisation.view_memberprofile",
                                      "entity": tree.sales.pk})  # fmt: skip
    assert wrong.status_code == 400 and "not a permission on entities" in wrong.context["form"].errors["entity"][0]
    unknown = acme_client.get(EXPLAIN, {"user": acme_admin.pk, "permission": "organisation.fly"})
    assert unknown.status_code == 400 and "permission" in unknown.context["form"].errors


def test_outsiders_and_anonymous_cannot_use_explain(acme_client, globex_member):
    for url in (EXPLAIN, MINE):
        assert acme_client.get(url).status_code == 302
    acme_client.force_login(globex_member)
    for url in (EXPLAIN, MINE):
        assert acme_client.get(url).status_code == 403
