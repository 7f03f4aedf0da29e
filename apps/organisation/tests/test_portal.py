"""Portal pages of the organisation (/manage/organisation/): who may see and change what, the tree in
one query, forms that show the services' refusals, and people pages with their timeline."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.organisation.models import Certification, Entity, EntityMembership, EntityType, MemberProfile, Skill
from apps.organisation.services import (
    certification_add,
    entity_move,
    entity_status_change,
    entity_update,
    profile_ensure,
    profile_update,
    skill_add,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/manage/organisation/"


def _text(response) -> str:
    return response.content.decode()


def _pages(tree, people) -> list[str]:
    """Every GET page of the app."""
    sales, ann = tree["sales"].uuid, people["ann"].uuid
    return [
        BASE, f"{BASE}{sales}/", f"{BASE}new/", f"{BASE}{sales}/edit/", f"{BASE}{sales}/move/",
        f"{BASE}{tree['north'].uuid}/delete/", f"{BASE}types/", f"{BASE}types/team/", f"{BASE}people/",
        f"{BASE}people/{ann}/", f"{BASE}people/new/", f"{BASE}people/{ann}/edit/",
    ]  # fmt: skip


def _writes(tree, people) -> list[tuple[str, dict]]:
    """Every POST of the app, with data that would succeed for a tenant admin."""
    sales, north, ann = tree["sales"], tree["north"], people["ann"]
    membership = EntityMembership.objects.get(profile=ann)
    skill = skill_add(profile=ann, name="Excel", acting_user=None)
    cert = certification_add(profile=ann, name="First aid", acting_user=None)
    person = f"{BASE}people/{ann.uuid}/"
    return [
        (f"{BASE}new/", {"parent": sales.uuid, "name": "Sales West", "entity_type": "team", "status": "active"}),
        (f"{BASE}{sales.uuid}/edit/", {"name": "Sales!", "entity_type": "department", "status": "active"}),
        (f"{BASE}{north.uuid}/move/", {"parent": tree["support"].uuid}),
        (f"{BASE}{north.uuid}/status/", {"status": "inactive"}),
        (f"{BASE}{tree['south'].uuid}/delete/", {}),
        (f"{BASE}types/", {"code": "region", "name": "Region", "position": 5}),
        (f"{BASE}types/team/", {"code": "team", "name": "Squad", "position": 40}),
        (f"{BASE}types/team/delete/", {}),
        (f"{BASE}people/new/", {"email": "member@acme.test"}),
        (f"{person}edit/", {"job_title": "Boss", "status": "active"}),
        (f"{person}entities/", {"entity": tree["support"].uuid}),
        (f"{person}entities/{membership.pk}/remove/", {}),
        (f"{person}entities/{membership.pk}/primary/", {}),
        (f"{person}skills/", {"name": "Word", "level": 2}),
        (f"{person}skills/{skill.pk}/", {"level": 4}),
        (f"{person}skills/{skill.pk}/remove/", {}),
        (f"{person}certifications/", {"name": "Forklift"}),
        (f"{person}certifications/{cert.pk}/remove/", {}),
        (f"{person}preferences/", {"language": "fr"}),
    ]


def _unchanged(acme, tree, people) -> None:
    with tenant_context(acme):
        assert Entity.objects.get(pk=tree["sales"].pk).name == "Sales"
        assert Entity.objects.get(pk=tree["north"].pk).parent_id == tree["sales"].pk
        assert Entity.objects.filter(pk=tree["south"].pk).exists()
        assert not EntityType.objects.filter(code="region").exists()
        assert EntityType.objects.get(code="team").name == "Team"
        ann = MemberProfile.objects.get(pk=people["ann"].pk)
        assert ann.job_title == "Team lead" and ann.preferences == {}
        assert ann.entity_memberships.count() == 1 and ann.skills.count() == 1 and ann.certifications.count() == 1


# --- Outsiders ----------------------------------------------------------------------------------


def test_another_tenants_member_is_refused_everywhere(acme_client, acme, tree, people, globex_member):
    writes = _writes(tree, people)
    acme_client.force_login(globex_member)
    for url in _pages(tree, people):
        response = acme_client.get(url)
        assert response.status_code == 403 and "not a member of this organisation" in _text(response), url
    for url, data in writes:
        assert acme_client.post(url, data).status_code == 403, url
    _unchanged(acme, tree, people)


def test_anonymous_visitors_are_sent_to_sign_in(acme_client, acme, tree, people):
    writes = _writes(tree, people)
    for url in _pages(tree, people):
        assert "/accounts/login/" in acme_client.get(url)["Location"], url
    for url, data in writes:
        assert "/accounts/login/" in acme_client.post(url, data)["Location"], url
    _unchanged(acme, tree, people)


def test_a_member_without_rights_may_look_at_the_tree_but_change_nothing(acme_client, acme, tree, people,
                                                                         acme_member):  # fmt: skip
    writes = _writes(tree, people)
    acme_client.force_login(acme_member)
    assert acme_client.get(BASE).status_code == 200
    assert acme_client.get(f"{BASE}{tree['sales'].uuid}/").status_code == 200
    assert acme_client.get(f"{BASE}people/").status_code == 200
    # Ann is not visible to them: the same 404 as a missing person.
    assert acme_client.get(f"{BASE}people/{people['ann'].uuid}/").status_code == 404
    refused = [p for p in _pages(tree, people) if p.endswith(("new/", "edit/", "move/", "delete/")) or "/types/" in p]
    for url in refused:
        assert acme_client.get(url).status_code in (403, 404), url
    for url, data in writes:
        assert acme_client.post(url, data).status_code in (403, 404), url
    _unchanged(acme, tree, people)


def test_every_page_works_for_a_tenant_admin(acme_client, tree, people, acme_admin):
    acme_client.force_login(acme_admin)
    for url in _pages(tree, people):
        assert acme_client.get(url).status_code == 200, url


# --- The tree -----------------------------------------------------------------------------------


def test_the_tree_is_nested_and_shows_type_status_manager_and_members(acme_client, tree, people, acme_admin):
    entity_update(entity=tree["north"], manager=people["ann"], acting_user=acme_admin)
    entity_status_change(entity=tree["support"], status="inactive", acting_user=acme_admin)
    acme_client.force_login(acme_admin)
    page = _text(acme_client.get(BASE))
    # Nested: Sales North's <li> is inside Sales' list, inside Operations'.
    operations, sales, north = (page.index(f'data-entity="{tree[k].code}"') for k in ("operations", "sales", "north"))
    assert operations < sales < north
    assert "managed by" in page and people["ann"].user.full_name in page
    assert "Inactive" in page and "1 member" in page
    assert f"{BASE}new/?parent={tree['sales'].uuid}" in page  # admins get the actions


def test_members_do_not_get_the_admin_actions(acme_client, tree, acme_member):
    acme_client.force_login(acme_member)
    page = _text(acme_client.get(BASE))
    assert "Sales North" in page and f"{BASE}{tree['sales'].uuid}/edit/" not in page


def test_the_tree_is_one_query_whatever_its_size(acme_client, acme, tree, make_entity, acme_admin):
    acme_client.force_login(acme_admin)
    acme_client.get(BASE)  # warm up (content types, sessions)

    def entity_queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert acme_client.get(BASE).status_code == 200
        return [q["sql"] for q in captured.captured_queries if 'FROM "organisation_entity"' in q["sql"]]

    assert len(entity_queries()) == 1
    with tenant_context(acme):
        parent = tree["north"]
        for n in range(15):
            parent = make_entity(f"Level {n}", parent if n % 2 else tree["south"], "team")
    (query,) = entity_queries()
    assert 'ORDER BY "organisation_entity"."path"' in query
    assert "Level 14" in _text(acme_client.get(BASE))


def test_searching_lists_matches_with_where_they_are(acme_client, tree, acme_admin):
    acme_client.force_login(acme_admin)
    page = _text(acme_client.get(BASE, {"search": "north"}))
    assert "Sales North" in page and "Sales South" not in page
    assert "Acme \u203a Operations \u203a Sales" in page  # the breadcrumb separator
    page = _text(acme_client.get(BASE, {"type": "team"}))
    assert "Sales North" in page and "Sales South" in page and ">Operations<" not in page


def test_status_filter(acme_client, tree, acme_admin):
    entity_status_change(entity=tree["north"], status="inactive", acting_user=acme_admin)
    acme_client.force_login(acme_admin)
    page = _text(acme_client.get(BASE, {"status": "inactive"}))
    assert "Sales North" in page and "Sales South" not in page


# --- Entity detail ------------------------------------------------------------------------------


def test_entity_detail_shows_breadcrumbs_children_members_and_history(acme_client, tree, people, acme_admin,
                                                                       django_assert_max_num_queries):  # fmt: skip
    entity_update(entity=tree["north"], name="North", acting_user=acme_admin)
    entity_move(entity=tree["north"], new_parent=tree["support"], acting_user=acme_admin)
    entity_status_change(entity=tree["north"], status="inactive", acting_user=acme_admin)
    acme_client.force_login(acme_admin)
    with django_assert_max_num_queries(20):
        page = _text(acme_client.get(f"{BASE}{tree['north'].uuid}/"))
    crumbs = page[page.index('class="breadcrumbs"') : page.index("</nav>", page.index('class="breadcrumbs"'))]
    assert crumbs.index("Acme") < crumbs.index("Operations") < crumbs.index("Support")
    assert people["ann"].user.email in page or people["ann"].user.full_name in page
    assert "Renamed from “Sales North” to “North”" in page
    assert "Moved from Sales to Support" in page
    assert "Status changed from active to inactive" in page
    page = _text(acme_client.get(f"{BASE}{tree['sales'].uuid}/"))
    assert "Sales South" in page and "North" not in page.split("Below Sales")[1].split("</div>")[0]


def test_members_of_an_entity_are_shown_only_with_view_people(acme_client, tree, people, acme_member, grant):
    acme_client.force_login(acme_member)
    page = _text(acme_client.get(f"{BASE}{tree['north'].uuid}/"))
    assert "You may not see the people" in page and people["ann"].user.full_name not in page
    grant(acme_member, ["organisation.view_people"], tree["sales"])
    page = _text(acme_client.get(f"{BASE}{tree['north'].uuid}/"))
    assert people["ann"].user.full_name in page


def test_an_unknown_entity_is_404(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    assert acme_client.get(f"{BASE}00000000-0000-0000-0000-000000000000/").status_code == 404


# --- Create, edit, move, status, delete ---------------------------------------------------------


def test_an_admin_creates_an_entity_and_sees_duplicate_names_on_the_form(acme_client, acme, tree, acme_admin):
    acme_client.force_login(acme_admin)
    data = {"parent": tree["sales"].uuid, "name": "Sales West", "entity_type": "team", "status": "active"}
    response = acme_client.post(f"{BASE}new/", data)
    with tenant_context(acme):
        west = Entity.objects.get(name="Sales West")
    assert response.status_code == 302 and response["Location"] == f"{BASE}{west.uuid}/"
    response = acme_client.post(f"{BASE}new/", {**data, "name": "sales WEST"})
    assert response.status_code == 400 and "already exists under Sales" in _text(response)


def test_a_member_with_add_entity_creates_only_where_granted(acme_client, acme, tree, acme_member, grant):
    grant(acme_member, ["organisation.add_entity"], tree["sales"])
    acme_client.force_login(acme_member)
    page = _text(acme_client.get(f"{BASE}new/"))
    assert "Sales North" in page and "Support" not in page
    data = {"name": "New team", "entity_type": "team", "status": "active"}
    assert acme_client.post(f"{BASE}new/", {**data, "parent": tree["support"].uuid}).status_code == 400
    assert acme_client.post(f"{BASE}new/", {**data, "parent": tree["north"].uuid}).status_code == 302
    with tenant_context(acme):
        assert Entity.objects.get(name="New team").parent_id == tree["north"].pk
        assert not Entity.objects.filter(parent=tree["support"], name="New team").exists()


def test_editing_renames_and_changes_status_with_errors_on_the_form(acme_client, acme, tree, acme_admin):
    acme_client.force_login(acme_admin)
    url = f"{BASE}{tree['north'].uuid}/edit/"
    data = {"name": "Sales South", "entity_type": "team", "status": "active"}
    response = acme_client.post(url, data)
    assert response.status_code == 400 and "already exists under Sales" in _text(response)
    response = acme_client.post(f"{BASE}{tree['sales'].uuid}/edit/", {**data, "name": "Sales", "status": "archived",
                                                                      "entity_type": "department"})  # fmt: skip
    assert response.status_code == 400 and "Archive the entities below Sales first" in _text(response)
    assert acme_client.post(url, {**data, "name": "North", "status": "inactive", "reason": "pause"}).status_code == 302
    with tenant_context(acme):
        north = Entity.objects.get(pk=tree["north"].pk)
    assert (north.name, north.status) == ("North", "inactive")


def test_moving_shows_cycle_and_duplicate_errors_on_the_form(acme_client, acme, tree, make_entity, acme_admin):
    make_entity("Sales North", tree["support"], "team")
    acme_client.force_login(acme_admin)
    response = acme_client.post(f"{BASE}{tree['sales'].uuid}/move/", {"parent": tree["north"].uuid})
    assert response.status_code == 400 and "cannot move under its own subtree" in _text(response)
    response = acme_client.post(f"{BASE}{tree['north'].uuid}/move/", {"parent": tree["support"].uuid})
    assert response.status_code == 400 and "already exists under Support" in _text(response)
    response = acme_client.post(f"{BASE}{tree['south'].uuid}/move/", {"parent": tree["support"].uuid})
    assert response.status_code == 302
    with tenant_context(acme):
        assert Entity.objects.get(pk=tree["south"].pk).parent_id == tree["support"].pk


def test_status_action_and_its_refusals(acme_client, acme, tree, acme_admin):
    acme_client.force_login(acme_admin)
    response = acme_client.post(f"{BASE}{tree['root'].uuid}/status/", {"status": "archived"}, follow=True)
    assert "stays active" in _text(response)
    acme_client.post(f"{BASE}{tree['north'].uuid}/status/", {"status": "archived", "reason": "closed"})
    with tenant_context(acme):
        assert Entity.objects.get(pk=tree["north"].pk).status == "archived"


def test_delete_only_empty_entities(acme_client, acme, tree, people, acme_admin):
    acme_client.force_login(acme_admin)
    response = acme_client.post(f"{BASE}{tree['north'].uuid}/delete/", follow=True)
    assert "still has people" in _text(response)
    with tenant_context(acme):
        empty = Entity.objects.create(name="Empty", entity_type=EntityType.objects.get(code="team"),
                                      parent=tree["support"])  # fmt: skip
    assert acme_client.post(f"{BASE}{empty.uuid}/delete/").status_code == 302
    with tenant_context(acme):
        assert not Entity.objects.filter(pk=empty.pk).exists()


def test_a_member_with_change_entity_may_edit_only_inside_their_scope(acme_client, acme, tree, acme_member, grant):
    grant(acme_member, ["organisation.change_entity"], tree["sales"])
    acme_client.force_login(acme_member)
    assert acme_client.get(f"{BASE}{tree['north'].uuid}/edit/").status_code == 200
    assert acme_client.get(f"{BASE}{tree['support'].uuid}/edit/").status_code == 403
    # Moving also needs add_entity on the new parent: without it no parent is offered.
    response = acme_client.post(f"{BASE}{tree['north'].uuid}/move/", {"parent": tree["south"].uuid})
    assert response.status_code == 400


# --- Entity types -------------------------------------------------------------------------------


def test_admins_add_edit_and_remove_their_own_types(acme_client, acme, tree, acme_admin):
    acme_client.force_login(acme_admin)
    assert acme_client.post(f"{BASE}types/", {"code": "region", "name": "Region", "position": 5}).status_code == 302
    response = acme_client.post(f"{BASE}types/", {"code": "area", "name": "REGION", "position": 5})
    assert response.status_code == 400 and "already exists" in _text(response)
    response = acme_client.post(f"{BASE}types/team/", {"code": "squad", "name": "Team", "position": 40})
    assert response.status_code == 400 and "cannot change" in _text(response)
    response = acme_client.post(f"{BASE}types/team/delete/", follow=True)
    assert "system type" in _text(response)
    assert acme_client.post(f"{BASE}types/region/delete/").status_code == 302
    with tenant_context(acme):
        assert not EntityType.objects.filter(code="region").exists()


# --- People -------------------------------------------------------------------------------------


def test_admins_see_everyone_with_filters(acme_client, tree, people, acme_admin):
    acme_client.force_login(acme_admin)
    page = _text(acme_client.get(f"{BASE}people/"))
    assert all(p.user.email in page for p in people.values())
    page = _text(acme_client.get(f"{BASE}people/", {"entity": tree["sales"].uuid}))
    assert "ann@acme.test" in page and "bob@acme.test" in page and "cat@acme.test" not in page
    page = _text(acme_client.get(f"{BASE}people/", {"search": "E-100"}))
    assert "ann@acme.test" in page and "bob@acme.test" not in page
    profile_update(profile=people["cat"], status="on_leave", acting_user=acme_admin)
    page = _text(acme_client.get(f"{BASE}people/", {"status": "on_leave"}))
    assert "cat@acme.test" in page and "ann@acme.test" not in page


def test_others_see_the_people_where_they_hold_view_people_and_themselves(acme_client, acme, tree, people,
                                                                          acme_member, grant):  # fmt: skip
    with tenant_context(acme):
        profile_ensure(user=acme_member, acting_user=None)
    acme_client.force_login(acme_member)
    page = _text(acme_client.get(f"{BASE}people/"))
    assert "member@acme.test" in page and "ann@acme.test" not in page
    grant(acme_member, ["organisation.view_people"], tree["sales"])
    page = _text(acme_client.get(f"{BASE}people/"))
    assert "ann@acme.test" in page and "bob@acme.test" in page and "cat@acme.test" not in page
    assert acme_client.get(f"{BASE}people/{people['ann'].uuid}/").status_code == 200
    assert acme_client.get(f"{BASE}people/{people['cat'].uuid}/").status_code == 404
    # Seeing is not managing.
    assert acme_client.get(f"{BASE}people/{people['ann'].uuid}/edit/").status_code == 403


def test_the_people_list_is_constant_in_queries(acme_client, acme, tree, people, make_person, acme_admin,
                                                django_assert_max_num_queries):  # fmt: skip
    acme_client.force_login(acme_admin)
    acme_client.get(f"{BASE}people/")

    def ours() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert acme_client.get(f"{BASE}people/").status_code == 200
        mine = ('FROM "organisation_memberprofile"', 'FROM "organisation_entity"')
        return [q["sql"] for q in captured.captured_queries if any(table in q["sql"] for table in mine)]

    small = ours()
    with tenant_context(acme):
        for n in range(10):
            make_person(f"extra{n}@acme.test", entity=tree["south"], manager=people["ann"])
    acme_client.get(f"{BASE}people/")  # new memberships invalidate the cached security policy: warm it again
    # The page itself: a count, the page of people (user, manager, primary entity joined in) and the
    # entities of the filter's select.
    assert len(ours()) == len(small) == 3
    with django_assert_max_num_queries(15):
        assert "extra9@acme.test" in _text(acme_client.get(f"{BASE}people/"))


def test_person_detail_shows_reporting_line_certifications_and_timeline(acme_client, acme, tree, people,
                                                                        acme_admin):  # fmt: skip
    bob = people["bob"]
    with tenant_context(acme):
        top = profile_ensure(user=MembershipFactory(tenant=acme, user__email="top@acme.test").user, acting_user=None)
        profile_update(profile=people["ann"], manager=top, acting_user=acme_admin)
        today = timezone.localdate()
        certification_add(profile=bob, name="Old cert", expires_on=today - datetime.timedelta(days=1),
                          acting_user=acme_admin)  # fmt: skip
        certification_add(profile=bob, name="Soon cert", expires_on=today + datetime.timedelta(days=5),
                          acting_user=acme_admin)  # fmt: skip
        profile_update(profile=bob, status="on_leave", reason="leave", acting_user=acme_admin)
    acme_client.force_login(acme_admin)
    page = _text(acme_client.get(f"{BASE}people/{bob.uuid}/"))
    line = page[page.index('class="reporting-line"') :]
    assert line.index("ann@acme.test" if not people["ann"].user.full_name else people["ann"].user.full_name) < \
        line.index("top@acme.test" if not top.user.full_name else top.user.full_name)  # fmt: skip
    assert "Expired" in page and "Expires soon" in page
    assert "Status changed from active to on_leave" in page and "Joined Sales South (primary entity)" in page
    assert "Job title changed from “—” to “Rep”" in page


def test_person_detail_links_to_the_explain_page_when_it_exists(acme_client, people, acme_admin):
    from django.urls import NoReverseMatch, reverse

    acme_client.force_login(acme_admin)
    page = _text(acme_client.get(f"{BASE}people/{people['ann'].uuid}/"))
    try:
        url = f"{reverse('access:explain')}?user={people['ann'].user_id}"
    except NoReverseMatch:
        assert "What may this person do?" not in page
    else:
        assert url in page


def test_creating_a_person_from_a_member_or_an_email(acme_client, acme, tree, acme_admin, acme_member):
    other = MembershipFactory(tenant=acme, user__email="other@acme.test")
    acme_client.force_login(acme_admin)
    page = _text(acme_client.get(f"{BASE}people/new/"))
    assert "other@acme.test" in page
    response = acme_client.post(f"{BASE}people/new/", {"member": other.pk, "entity": tree["north"].uuid})
    assert response.status_code == 302
    response = acme_client.post(f"{BASE}people/new/", {"email": "MEMBER@acme.test", "job_title": "Clerk"})
    assert response.status_code == 302
    response = acme_client.post(f"{BASE}people/new/", {"email": "member@acme.test"})
    assert response.status_code == 400 and "already has a profile" in _text(response)
    response = acme_client.post(f"{BASE}people/new/", {"email": "member@globex.test"})
    assert response.status_code == 400
    with tenant_context(acme):
        assert MemberProfile.objects.get(user=acme_member).job_title == "Clerk"
        assert EntityMembership.objects.get(profile__user=other.user).entity_id == tree["north"].pk


def test_a_people_manager_must_place_a_new_person_in_their_entity(acme_client, acme, tree, acme_member, grant):
    other = MembershipFactory(tenant=acme, user__email="other@acme.test")
    acme_client.force_login(acme_member)
    assert acme_client.get(f"{BASE}people/new/").status_code == 403
    grant(acme_member, ["organisation.manage_people"], tree["sales"])
    response = acme_client.post(f"{BASE}people/new/", {"member": other.pk})
    assert response.status_code == 400  # the entity is required
    response = acme_client.post(f"{BASE}people/new/", {"member": other.pk, "entity": tree["support"].uuid})
    assert response.status_code == 400  # not one of theirs
    response = acme_client.post(f"{BASE}people/new/", {"member": other.pk, "entity": tree["south"].uuid})
    assert response.status_code == 302


def test_editing_a_person_with_every_sub_form(acme_client, acme, tree, people, acme_admin):
    ann, bob = people["ann"], people["bob"]
    acme_client.force_login(acme_admin)
    base = f"{BASE}people/{ann.uuid}/"
    response = acme_client.post(f"{base}edit/", {"job_title": "Head", "status": "active", "manager": bob.uuid})
    assert response.status_code == 400 and "that would be a cycle" in _text(response)
    response = acme_client.post(f"{base}edit/", {"job_title": "Head", "status": "active", "employee_code": "E-7"})
    assert response.status_code == 302
    acme_client.post(f"{base}entities/", {"entity": tree["support"].uuid, "title": "Helper"})
    with tenant_context(acme):
        support = EntityMembership.objects.get(profile=ann, entity=tree["support"])
        north = EntityMembership.objects.get(profile=ann, entity=tree["north"])
    acme_client.post(f"{base}entities/{support.pk}/primary/")
    acme_client.post(f"{base}entities/{north.pk}/remove/")
    acme_client.post(f"{base}skills/", {"name": "Excel", "level": 2})
    response = acme_client.post(f"{base}skills/", {"name": "excel", "level": 3}, follow=True)
    assert "already has the skill" in _text(response)
    with tenant_context(acme):
        skill = Skill.objects.get(profile=ann)
    acme_client.post(f"{base}skills/{skill.pk}/", {"level": 5})
    response = acme_client.post(f"{base}certifications/", {"name": "Bad", "issued_on": "2025-02-01",
                                                           "expires_on": "2025-01-01"}, follow=True)  # fmt: skip
    assert "cannot expire before it was issued" in _text(response)
    acme_client.post(f"{base}certifications/", {"name": "Forklift", "issued_on": "2025-01-01"})
    acme_client.post(f"{base}preferences/", {"language": "fr", "time_zone": "Europe/Paris", "notify_email": "on"})
    with tenant_context(acme):
        ann = MemberProfile.objects.get(pk=ann.pk)
        assert (ann.job_title, ann.employee_code) == ("Head", "E-7")
        assert list(ann.entity_memberships.values_list("entity_id", "is_primary")) == [(tree["support"].pk, True)]
        assert Skill.objects.get(profile=ann).level == 5
        assert list(Certification.objects.filter(profile=ann).values_list("name", flat=True)) == ["Forklift"]
        assert ann.preferences == {"language": "fr", "time_zone": "Europe/Paris", "notifications": {
            "email": True, "in_app": False, "sms": False, "push": False}}  # fmt: skip
    page = _text(acme_client.get(f"{BASE}people/{ann.uuid}/"))
    assert "Left Sales North" in page and "Support became the primary entity" in page


def test_a_people_manager_edits_only_their_people_and_entities(acme_client, acme, tree, people, acme_member, grant):
    grant(acme_member, ["organisation.manage_people", "organisation.view_people"], tree["sales"])
    acme_client.force_login(acme_member)
    assert acme_client.get(f"{BASE}people/{people['ann'].uuid}/edit/").status_code == 200
    assert acme_client.get(f"{BASE}people/{people['cat'].uuid}/edit/").status_code == 404  # not even visible
    # Adding Ann to Support (not theirs) is refused; Sales South is fine.
    acme_client.post(f"{BASE}people/{people['ann'].uuid}/entities/", {"entity": tree["support"].uuid})
    acme_client.post(f"{BASE}people/{people['ann'].uuid}/entities/", {"entity": tree["south"].uuid})
    with tenant_context(acme):
        entities = set(EntityMembership.objects.filter(profile=people["ann"]).values_list("entity_id", flat=True))
    assert entities == {tree["north"].pk, tree["south"].pk}
