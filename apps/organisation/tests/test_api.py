"""Tenant API of the organisation: /api/v1/entity-types/, /api/v1/entities/, /api/v1/people/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.organisation.models import Entity, EntityMembership, EntityType, MemberProfile
from apps.organisation.services import entity_membership_add, profile_ensure, profile_update
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TYPES = "/api/v1/entity-types/"
ENTITIES = "/api/v1/entities/"
PEOPLE = "/api/v1/people/"


def _key(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


def _ids(response) -> list[str]:
    return [row["id"] for row in response.json()["results"]]


def _endpoints(tree, people) -> list[tuple[str, str, dict]]:
    sales, north, ann = tree["sales"].uuid, tree["north"].uuid, people["ann"].uuid
    return [
        ("get", TYPES, {}),
        ("post", TYPES, {"code": "region", "name": "Region"}),
        ("get", ENTITIES, {}),
        ("post", ENTITIES, {"name": "Sales West", "type": "team", "parent": str(sales)}),
        ("get", f"{ENTITIES}{sales}/", {}),
        ("patch", f"{ENTITIES}{sales}/", {"name": "Sales!"}),
        ("delete", f"{ENTITIES}{tree['south'].uuid}/", {}),
        ("post", f"{ENTITIES}{north}/move/", {"parent": str(tree["support"].uuid)}),
        ("get", f"{ENTITIES}{north}/ancestors/", {}),
        ("get", f"{ENTITIES}{sales}/descendants/", {}),
        ("get", PEOPLE, {}),
        ("post", PEOPLE, {"email": "member@acme.test"}),
        ("get", f"{PEOPLE}{ann}/", {}),
        ("patch", f"{PEOPLE}{ann}/", {"job_title": "Boss"}),
        ("get", f"{PEOPLE}{ann}/history/", {}),
    ]


def _call(client, method: str, url: str, data: dict, **extra):
    if method in ("post", "patch"):
        return getattr(client, method)(url, data, content_type="application/json", **extra)
    return getattr(client, method)(url, **extra)


def _unchanged(acme, tree, people) -> None:
    with tenant_context(acme):
        assert Entity.objects.get(pk=tree["sales"].pk).name == "Sales"
        assert Entity.objects.get(pk=tree["north"].pk).parent_id == tree["sales"].pk
        assert Entity.objects.filter(pk=tree["south"].pk).exists()
        assert not Entity.objects.filter(name="Sales West").exists()
        assert not EntityType.objects.filter(code="region").exists()
        assert MemberProfile.objects.get(pk=people["ann"].pk).job_title == "Team lead"


# --- Outsiders ----------------------------------------------------------------------------------


def test_another_tenants_member_is_refused_everywhere(acme_client, acme, tree, people, globex_member):
    acme_client.force_login(globex_member)
    for method, url, data in _endpoints(tree, people):
        response = _call(acme_client, method, url, data)
        assert response.status_code == 403 and response.json()["code"] == "not_member", (method, url)
    _unchanged(acme, tree, people)


def test_anonymous_callers_are_refused_everywhere(acme_client, acme, tree, people):
    for method, url, data in _endpoints(tree, people):
        assert _call(acme_client, method, url, data).status_code in (401, 403), (method, url)
    _unchanged(acme, tree, people)


def test_a_member_without_rights_reads_the_tree_but_writes_nothing(acme_client, acme, tree, people, acme_member):
    acme_client.force_login(acme_member)
    for method, url, data in _endpoints(tree, people):
        response = _call(acme_client, method, url, data)
        if method == "get" and "people" not in url:
            assert response.status_code == 200, url
        elif method == "get" and url == PEOPLE:
            assert response.status_code == 200 and response.json()["results"] == []
        else:
            assert response.status_code in (403, 404), (method, url, response.content)
    _unchanged(acme, tree, people)


def test_an_acme_key_is_refused_on_globex(globex_client, acme_key, globex_root):
    _, raw = acme_key(["organisation:read"])
    assert globex_client.get(ENTITIES, **_key(raw)).status_code == 401


def test_a_key_without_the_organisation_scope_is_refused(acme_client, acme_key, tree):
    _, raw = acme_key(["members:read"])
    response = acme_client.get(ENTITIES, **_key(raw))
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    _, raw = acme_key(["organisation:read"], name="Reader")
    response = acme_client.post(ENTITIES, {"name": "X", "type": "team", "parent": str(tree["sales"].uuid)},
                                content_type="application/json", **_key(raw))  # fmt: skip
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


# --- Entities -----------------------------------------------------------------------------------


def tree_names(rows: list[dict]) -> list[str]:
    """The names of rows listed in tree order (each after its parent), with siblings sorted by name.

    The API lists entities by materialised path, so a parent always precedes its subtree; siblings
    follow their ids as text (…/10/ before …/9/), which depends on the sequence, not on the test.
    Sorting each run of siblings by name makes the assertion independent of the ids."""
    index = {row["id"]: position for position, row in enumerate(rows)}
    for row in rows:
        parent = row["parent"]
        assert parent is None or parent not in index or index[parent] < index[row["id"]], row["name"]
    children: dict = {}
    for row in rows:
        parent = row["parent"] if row["parent"] in index else None
        children.setdefault(parent, []).append(row)

    def walk(parent: object) -> list[str]:
        names: list[str] = []
        for row in sorted(children.get(parent, []), key=lambda r: r["name"]):
            names += [row["name"], *walk(row["id"])]
        return names

    return walk(None)


def test_entities_are_listed_in_tree_order_with_filters(acme_client, tree, acme_member):
    acme_client.force_login(acme_member)
    response = acme_client.get(ENTITIES)
    assert tree_names(response.json()["results"]) == ["Acme", "Operations", "Sales", "Sales North", "Sales South",
                                                      "Support"]  # fmt: skip
    north = next(row for row in response.json()["results"] if row["name"] == "Sales North")
    assert (north["type"], north["parent"], north["depth"], north["status"]) == ("team", str(tree["sales"].uuid),
                                                                               3, "active")  # fmt: skip
    by = {name: tree_names(acme_client.get(ENTITIES, query).json()["results"]) for name, query in {
        "type": {"type": "team"}, "parent": {"parent": tree["operations"].uuid},
        "subtree": {"subtree_of": tree["sales"].uuid}, "search": {"search": "south"},
    }.items()}  # fmt: skip
    assert by == {
        "type": ["Sales North", "Sales South"], "parent": ["Sales", "Support"],
        "subtree": ["Sales", "Sales North", "Sales South"], "search": ["Sales South"],
    }  # fmt: skip


def test_entity_list_is_keyset_paginated_and_constant_in_queries(acme_client, acme, tree, make_entity, acme_admin):
    acme_client.force_login(acme_admin)
    first = acme_client.get(ENTITIES, {"page_size": 4}).json()
    assert len(first["results"]) == 4 and "cursor=" in first["next"]
    second = acme_client.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None  # the cursor continues exactly where page 1 ended
    assert tree_names(first["results"] + second["results"]) == [
        "Acme", "Operations", "Sales", "Sales North", "Sales South", "Support"
    ]  # fmt: skip

    def entity_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert acme_client.get(ENTITIES).status_code == 200
        return len([q for q in captured.captured_queries if 'FROM "organisation_entity"' in q["sql"]])

    assert entity_queries() == 1
    with tenant_context(acme):
        for n in range(10):
            make_entity(f"Team {n}", tree["support"], "team")
    assert entity_queries() == 1


def test_an_admin_creates_updates_moves_and_deletes(acme_client, acme, tree, acme_admin):
    acme_client.force_login(acme_admin)
    response = acme_client.post(ENTITIES, {"name": "Sales West", "type": "team", "parent": str(tree["sales"].uuid)},
                                content_type="application/json")  # fmt: skip
    assert response.status_code == 201
    west = response.json()
    assert west["code"].startswith("ENT-") and west["parent"] == str(tree["sales"].uuid)
    url = f"{ENTITIES}{west['id']}/"
    response = acme_client.patch(url, {"name": "West", "status": "inactive", "reason": "pause"},
                                 content_type="application/json")  # fmt: skip
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["status"]) == ("West", "inactive")
    response = acme_client.post(f"{url}move/", {"parent": str(tree["support"].uuid)}, content_type="application/json")
    assert response.status_code == 200 and response.json()["parent"] == str(tree["support"].uuid)
    ancestors = acme_client.get(f"{url}ancestors/").json()
    assert [a["name"] for a in ancestors] == ["Acme", "Operations", "Support"]
    assert acme_client.delete(url).status_code == 204
    with tenant_context(acme):
        assert not Entity.objects.filter(uuid=west["id"]).exists()


@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("orphan", "parent", "orphan"),
        ("duplicate", "name", "duplicate_sibling"),
        ("cycle", "parent", "cycle"),
        ("move_duplicate", "name", "duplicate_sibling"),
        ("root_move", "parent", "root_move"),
        ("root_status", "status", "root_status"),
        ("delete_children", "entity", "has_children"),
    ],
)
def test_refusals_are_field_errors_with_codes(acme_client, tree, make_entity, acme_admin, case, field, code):
    make_entity("Sales North", tree["support"], "team")
    acme_client.force_login(acme_admin)
    sales, north, support, root = (str(tree[k].uuid) for k in ("sales", "north", "support", "root"))
    json = "application/json"
    response = {
        "orphan": lambda: acme_client.post(ENTITIES, {"name": "Rogue", "type": "group"}, content_type=json),
        "duplicate": lambda: acme_client.post(ENTITIES, {"name": "SALES north", "type": "team", "parent": sales},
                                              content_type=json),
        "cycle": lambda: acme_client.post(f"{ENTITIES}{sales}/move/", {"parent": north}, content_type=json),
        "move_duplicate": lambda: acme_client.post(f"{ENTITIES}{north}/move/", {"parent": support},
                                                   content_type=json),
        "root_move": lambda: acme_client.post(f"{ENTITIES}{root}/move/", {"parent": sales}, content_type=json),
        "root_status": lambda: acme_client.patch(f"{ENTITIES}{root}/", {"status": "archived"}, content_type=json),
        "delete_children": lambda: acme_client.delete(f"{ENTITIES}{sales}/"),
    }[case]()  # fmt: skip
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and field in body["errors"], body


def test_descendants_are_everything_below_at_any_depth(acme_client, tree, acme_member):
    acme_client.force_login(acme_member)
    response = acme_client.get(f"{ENTITIES}{tree['operations'].uuid}/descendants/")
    assert tree_names(response.json()["results"]) == ["Sales", "Sales North", "Sales South", "Support"]
    response = acme_client.get(f"{ENTITIES}{tree['operations'].uuid}/descendants/", {"type": "team"})
    assert tree_names(response.json()["results"]) == ["Sales North", "Sales South"]


def test_a_member_with_rights_on_sales_writes_only_there(acme_client, acme, tree, acme_member, grant):
    grant(acme_member, ["organisation.add_entity", "organisation.change_entity"], tree["sales"])
    acme_client.force_login(acme_member)
    json = "application/json"
    response = acme_client.post(ENTITIES, {"name": "X", "type": "team", "parent": str(tree["support"].uuid)},
                                content_type=json)  # fmt: skip
    assert response.status_code == 403 and response.json()["code"] == "permission_required"
    response = acme_client.post(ENTITIES, {"name": "X", "type": "team", "parent": str(tree["north"].uuid)},
                                content_type=json)  # fmt: skip
    assert response.status_code == 201
    assert acme_client.patch(f"{ENTITIES}{tree['support'].uuid}/", {"name": "Y"}, content_type=json).status_code == 403
    # Moving needs add_entity on the new parent as well.
    response = acme_client.post(f"{ENTITIES}{tree['north'].uuid}/move/", {"parent": str(tree["support"].uuid)},
                                content_type=json)  # fmt: skip
    assert response.status_code == 403
    # Deleting needs delete_entity.
    assert acme_client.delete(f"{ENTITIES}{tree['south'].uuid}/").status_code == 403


def test_a_key_sees_and_changes_only_what_its_assignments_cover(acme_client, acme, tree, acme_key, grant):
    api_key, raw = acme_key(["organisation:read", "organisation:write"])
    assert acme_client.get(ENTITIES, **_key(raw)).json()["results"] == []
    grant(api_key, ["organisation.view_entity", "organisation.change_entity"], tree["sales"])
    names = tree_names(acme_client.get(ENTITIES, **_key(raw)).json()["results"])
    assert names == ["Sales", "Sales North", "Sales South"]
    assert acme_client.get(f"{ENTITIES}{tree['support'].uuid}/", **_key(raw)).status_code == 404
    response = acme_client.patch(f"{ENTITIES}{tree['north'].uuid}/", {"description": "via key"},
                                 content_type="application/json", **_key(raw))  # fmt: skip
    assert response.status_code == 200
    with tenant_context(acme):
        record = Entity.history.filter(id=tree["north"].pk).latest("history_id")
    assert record.description == "via key" and record.history_user_id is None


# --- Entity types -------------------------------------------------------------------------------


def test_entity_types_list_and_admin_create(acme_client, acme, tree, acme_admin, acme_member):
    acme_client.force_login(acme_member)
    codes = [row["code"] for row in acme_client.get(TYPES).json()["results"]]
    assert codes[:4] == ["enterprise", "group", "department", "team"]
    response = acme_client.post(TYPES, {"code": "region", "name": "Region"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "tenant_admin_required"
    acme_client.force_login(acme_admin)
    response = acme_client.post(TYPES, {"code": "region", "name": "Region", "position": 25},
                                content_type="application/json")  # fmt: skip
    assert response.status_code == 201 and response.json()["is_system"] is False
    response = acme_client.post(TYPES, {"code": "region", "name": "Area"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "duplicate_code"


# --- People -------------------------------------------------------------------------------------


def test_admins_list_everyone_with_filters_and_constant_queries(acme_client, acme, tree, people, make_person,
                                                                 acme_admin):  # fmt: skip
    acme_client.force_login(acme_admin)
    emails = {r["user"]["email"] for r in acme_client.get(PEOPLE).json()["results"]}
    assert {"ann@acme.test", "bob@acme.test", "cat@acme.test"} <= emails
    filtered = {
        name: {r["user"]["email"] for r in acme_client.get(PEOPLE, query).json()["results"]}
        for name, query in {
            "entity": {"entity": tree["sales"].uuid}, "manager": {"manager": people["ann"].uuid},
            "search": {"search": "E-100"}, "status": {"status": "on_leave"},
        }.items()
    }  # fmt: skip
    assert filtered == {"entity": {"ann@acme.test", "bob@acme.test"}, "manager": {"bob@acme.test"},
                        "search": {"ann@acme.test"}, "status": set()}  # fmt: skip
    bob = next(r for r in acme_client.get(PEOPLE, {"search": "bob@"}).json()["results"])
    assert bob["manager"] == str(people["ann"].uuid) and bob["primary_entity"] == str(tree["south"].uuid)
    assert bob["memberships"][0]["entity_name"] == "Sales South" and bob["code"].startswith("PRS-")

    def people_queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert acme_client.get(PEOPLE).status_code == 200
        # The page (profiles with user, manager and primary entity joined in), then one prefetch each for
        # memberships, skills and certifications.
        return [
            '"organisation_memberprofile"'
            if 'FROM "organisation_memberprofile"' in sql
            else sql.split(" FROM ")[1].split(" ")[0]
            for sql in (q["sql"] for q in captured.captured_queries)
            if 'FROM "organisation_memberprofile"' in sql or '"profile_id" IN (' in sql
        ]

    expected = ['"organisation_memberprofile"', '"organisation_entitymembership"', '"organisation_skill"',
                '"organisation_certification"']  # fmt: skip
    assert people_queries() == expected
    with tenant_context(acme):
        for n in range(8):
            person = make_person(f"extra{n}@acme.test", entity=tree["north"], manager=people["ann"])
            entity_membership_add(profile=person, entity=tree["support"], acting_user=acme_admin)
    assert people_queries() == expected


def test_members_and_keys_see_only_the_people_they_may(acme_client, acme, tree, people, acme_member, acme_key,
                                                        grant):  # fmt: skip
    with tenant_context(acme):
        profile_ensure(user=acme_member, acting_user=None)
    acme_client.force_login(acme_member)
    assert [r["user"]["email"] for r in acme_client.get(PEOPLE).json()["results"]] == ["member@acme.test"]
    grant(acme_member, ["organisation.view_people"], tree["sales"])
    emails = {r["user"]["email"] for r in acme_client.get(PEOPLE).json()["results"]}
    assert emails == {"ann@acme.test", "bob@acme.test", "member@acme.test"}
    assert acme_client.get(f"{PEOPLE}{people['cat'].uuid}/").status_code == 404
    api_key, raw = acme_key(["organisation:read"])
    acme_client.logout()
    assert acme_client.get(PEOPLE, **_key(raw)).json()["results"] == []
    grant(api_key, ["organisation.view_people"], tree["support"])
    assert [r["user"]["email"] for r in acme_client.get(PEOPLE, **_key(raw)).json()["results"]] == ["cat@acme.test"]


def test_creating_a_person(acme_client, acme, tree, acme_admin, acme_member, globex_member):
    acme_client.force_login(acme_admin)
    json = "application/json"
    response = acme_client.post(PEOPLE, {"email": "member@globex.test"}, content_type=json)
    assert response.status_code == 400 and response.json()["code"] == "not_member"
    response = acme_client.post(PEOPLE, {}, content_type=json)
    assert response.status_code == 400 and response.json()["code"] == "user_or_email"
    response = acme_client.post(PEOPLE, {"email": "member@acme.test", "entity": str(tree["north"].uuid),
                                         "job_title": "Clerk", "employee_code": "E-9"}, content_type=json)  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["primary_entity"] == str(tree["north"].uuid) and body["job_title"] == "Clerk"
    response = acme_client.post(PEOPLE, {"user": str(acme_member.pk)}, content_type=json)
    assert response.status_code == 400 and response.json()["code"] == "profile_exists"


def test_a_people_manager_creates_only_in_their_entities(acme_client, acme, tree, acme_member, grant):
    other = MembershipFactory(tenant=acme, user__email="other@acme.test").user
    grant(acme_member, ["organisation.manage_people", "organisation.view_people"], tree["sales"])
    acme_client.force_login(acme_member)
    json = "application/json"
    assert acme_client.post(PEOPLE, {"user": str(other.pk)}, content_type=json).status_code == 403
    response = acme_client.post(PEOPLE, {"user": str(other.pk), "entity": str(tree["support"].uuid)},
                                content_type=json)  # fmt: skip
    assert response.status_code == 403
    response = acme_client.post(PEOPLE, {"user": str(other.pk), "entity": str(tree["south"].uuid)},
                                content_type=json)  # fmt: skip
    assert response.status_code == 201


def test_updating_a_person_and_the_timeline(acme_client, acme, tree, people, acme_admin):
    ann, bob = people["ann"], people["bob"]
    acme_client.force_login(acme_admin)
    url, json = f"{PEOPLE}{ann.uuid}/", "application/json"
    response = acme_client.patch(url, {"manager": str(bob.uuid)}, content_type=json)
    assert response.status_code == 400 and response.json()["code"] == "cycle" and "manager" in response.json()["errors"]
    response = acme_client.patch(url, {"preferences": {"time_zone": "Mars/Base"}}, content_type=json)
    assert response.status_code == 400 and response.json()["code"] == "invalid_time_zone"
    response = acme_client.patch(url, {"employee_code": "E-100"}, content_type=json)
    assert response.status_code == 200
    response = acme_client.patch(url, {
        "status": "on_leave", "job_title": "Head", "preferences": {"language": "fr"},
        "entities": [str(tree["north"].uuid), str(tree["support"].uuid)], "primary_entity": str(tree["support"].uuid),
        "reason": "reorg",
    }, content_type=json)  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["job_title"], body["preferences"]) == ("on_leave", "Head", {"language": "fr"})
    assert body["primary_entity"] == str(tree["support"].uuid)
    response = acme_client.patch(url, {"entities": [str(tree["support"].uuid)]}, content_type=json)
    assert [m["entity_name"] for m in response.json()["memberships"]] == ["Support"]
    response = acme_client.patch(url, {"primary_entity": str(tree["north"].uuid)}, content_type=json)
    assert response.status_code == 400 and response.json()["code"] == "not_a_member_of_entity"
    events = acme_client.get(f"{url}history/").json()
    kinds = [e["kind"] for e in events]
    assert kinds[-1] == "created" and {"status", "job_title", "joined", "left", "primary", "preferences"} <= set(kinds)
    left = next(e for e in events if e["kind"] == "left")
    assert left["summary"] == "Left Sales North" and left["actor"] == (acme_admin.full_name or acme_admin.email)


def test_a_people_manager_updates_only_their_people(acme_client, acme, tree, people, acme_member, grant):
    grant(acme_member, ["organisation.manage_people", "organisation.view_people"], tree["sales"])
    acme_client.force_login(acme_member)
    json = "application/json"
    response = acme_client.patch(f"{PEOPLE}{people['ann'].uuid}/", {"job_title": "Lead"}, content_type=json)
    assert response.status_code == 200
    # Adding Ann to Support needs manage_people there too.
    response = acme_client.patch(f"{PEOPLE}{people['ann'].uuid}/",
                                 {"entities": [str(tree["north"].uuid), str(tree["support"].uuid)]},
                                 content_type=json)  # fmt: skip
    assert response.status_code == 403
    with tenant_context(acme):
        assert EntityMembership.objects.filter(profile=people["ann"]).count() == 1
        profile_update(profile=people["cat"], job_title="Agent", acting_user=None)
    assert acme_client.patch(f"{PEOPLE}{people['cat'].uuid}/", {"job_title": "X"}, content_type=json).status_code == 404


def test_a_change_of_entity_in_one_request_reads_as_a_move(acme_client, tree, people, acme_admin):
    acme_client.force_login(acme_admin)
    url = f"{PEOPLE}{people['bob'].uuid}/"
    response = acme_client.patch(url, {"entities": [str(tree["support"].uuid)], "reason": "transfer"},
                                 content_type="application/json")  # fmt: skip
    assert response.status_code == 200 and response.json()["primary_entity"] == str(tree["support"].uuid)
    events = acme_client.get(f"{url}history/").json()
    moved = [e for e in events if e["kind"] == "moved"]
    assert [e["summary"] for e in moved] == ["Moved from Sales South to Support"]
    assert moved[0]["reason"] == "transfer"
    assert not [e for e in events if e["kind"] in ("left", "joined") and e["at"] == moved[0]["at"]]
