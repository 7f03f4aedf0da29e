"""Materialisation follows the organisation: team members joining and leaving, new entities, moves."""

import pytest
from django.db import connection
from guardian.models import UserObjectPermission

from apps.access.materialise import Assignments, grants_add
from apps.access.models import AccessGrant
from apps.access.resolver import allowed_entities, may
from apps.access.services import assignment_create, assignment_revoke, role_create
from apps.organisation.models import EntityMembership, MemberProfile
from apps.organisation.services import (
    entity_delete,
    entity_membership_add,
    entity_membership_remove,
    entity_move,
    profile_ensure,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _mirror_is_exact() -> bool:
    """guardian rows are exactly the people's distinct grants."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM (SELECT DISTINCT user_id, permission_id, object_pk
                                          FROM access_accessgrant WHERE user_id IS NOT NULL) g),
                   (SELECT count(*) FROM guardian_userobjectpermission),
                   (SELECT count(*) FROM guardian_userobjectpermission u WHERE NOT EXISTS (
                        SELECT 1 FROM access_accessgrant g WHERE g.user_id = u.user_id
                        AND g.permission_id = u.permission_id AND g.object_pk = u.object_pk))
            """
        )
        needed, mirrored, orphans = cursor.fetchone()
    return needed == mirrored and orphans == 0


def _profile(user) -> MemberProfile:
    return MemberProfile.objects.get(user=user)


def test_team_assignment_covers_a_member_who_joins_later_and_stops_when_they_leave(roles, tree, person):
    ann = person("ann", tree.east)
    assignment_create(role=roles["viewer"], team=tree.east, scope_entity=tree.sales, acting_user=None)
    assert may(ann, "organisation.view_entity", tree.sales)
    bob = person("bob")
    assert not may(bob, "organisation.view_entity", tree.sales)

    membership = entity_membership_add(profile=_profile(bob), entity=tree.east, acting_user=None)
    assert may(bob, "organisation.view_entity", tree.sales)
    assert may(ann, "organisation.view_memberprofile", _profile(bob))  # and bob is now among the people in scope

    entity_membership_remove(membership=membership, acting_user=None, reason="Left the team")
    assert not may(bob, "organisation.view_entity", tree.sales)
    assert not may(ann, "organisation.view_memberprofile", _profile(bob))
    assert may(ann, "organisation.view_entity", tree.sales)
    assert not UserObjectPermission.objects.filter(user=bob).exists() and _mirror_is_exact()


def test_people_in_scope_follow_memberships(roles, tree, person):
    ann, bob = person("ann"), person("bob", tree.east)
    assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.sales, acting_user=None)
    assert may(ann, "organisation.view_memberprofile", _profile(bob))
    support = entity_membership_add(profile=_profile(bob), entity=tree.support, acting_user=None)
    east = EntityMembership.objects.get(profile__user=bob, entity=tree.east)
    entity_membership_remove(membership=support, acting_user=None)
    assert may(ann, "organisation.view_memberprofile", _profile(bob))  # still in Sales East
    entity_membership_remove(membership=east, acting_user=None)
    assert not may(ann, "organisation.view_memberprofile", _profile(bob))
    assert _mirror_is_exact()


def test_a_new_entity_under_a_scoped_department_is_covered(roles, tree, person):
    ann = person("ann")
    assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.sales, acting_user=None)
    west = tree.make("Sales West", tree.sales, "team")
    deep = tree.make("West Retail", west, "team")
    elsewhere = tree.make("Support Desk", tree.support, "team")
    assert may(ann, "organisation.view_entity", west) and may(ann, "organisation.view_people", deep)
    assert not may(ann, "organisation.view_entity", elsewhere)
    assert set(allowed_entities(ann, "organisation.view_entity")) == {tree.sales, tree.east, west, deep}


def test_moving_an_entity_out_of_scope_removes_coverage(roles, tree, person):
    ann, bob, cat = person("ann"), person("bob"), person("cat", tree.east)
    assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.sales, acting_user=None)
    assignment_create(role=roles["viewer"], user=bob, scope_entity=tree.support, acting_user=None)
    assignment_create(role=roles["viewer"], user=cat, scope_entity=tree.east, acting_user=None)  # moves with it
    leaf = tree.make("East Retail", tree.east, "team")
    assert may(ann, "organisation.view_entity", leaf) and may(ann, "organisation.view_memberprofile", _profile(cat))

    entity_move(entity=tree.east, new_parent=tree.support, acting_user=None)
    assert not may(ann, "organisation.view_entity", tree.east) and not may(ann, "organisation.view_entity", leaf)
    assert not may(ann, "organisation.view_memberprofile", _profile(cat))
    assert may(ann, "organisation.view_entity", tree.sales)
    assert may(bob, "organisation.view_entity", leaf) and may(bob, "organisation.view_memberprofile", _profile(cat))
    assert may(cat, "organisation.view_entity", leaf) and may(cat, "organisation.change_memberprofile", _profile(cat))
    assert _mirror_is_exact()


def test_own_record_grants_survive_a_move(roles, tree, person):
    ann = person("ann", tree.east)
    assignment_create(role=roles["member"], user=ann, scope_entity=tree.root, acting_user=None)
    entity_move(entity=tree.east, new_parent=tree.support, acting_user=None)
    assert may(ann, "organisation.change_memberprofile", _profile(ann))


def test_materialising_again_is_idempotent_and_set_based(roles, tree, person, django_assert_max_num_queries):
    people = [person(f"p{i}", tree.east) for i in range(5)]
    assignment = assignment_create(role=roles["manager"], team=tree.east, scope_entity=tree.root, acting_user=None)
    before = AccessGrant.objects.count()
    with django_assert_max_num_queries(5):  # savepoint, roles, lock, the insert (content types are cached)
        assert grants_add(Assignments.ids([assignment.pk])) == 0
    assert AccessGrant.objects.count() == before > len(people) * 4
    assignment_revoke(assignment=assignment, acting_user=None, reason="Reorganised")
    assert not AccessGrant.objects.exists() and not UserObjectPermission.objects.exists()


def test_a_changed_scope_subtree_does_not_touch_object_scoped_grants(roles, tree, person):
    ann = person("ann")
    custom = role_create(code="reader", name="Reader", permissions=["organisation.view_entity"], acting_user=None)
    assignment_create(role=custom, user=ann, scope_object=tree.east, acting_user=None)
    entity_move(entity=tree.east, new_parent=tree.support, acting_user=None)
    assert may(ann, "organisation.view_entity", tree.east) and not may(ann, "organisation.view_entity", tree.support)


def test_own_records_reach_a_profile_made_after_the_assignment(roles, tree, acme):
    dan = MembershipFactory(tenant=acme, user__email="dan@acme.test").user
    assignment_create(role=roles["member"], user=dan, scope_entity=tree.root, acting_user=None)
    profile = profile_ensure(user=dan, acting_user=None)
    assert may(dan, "organisation.change_memberprofile", profile) and _mirror_is_exact()


def test_a_deleted_entity_leaves_no_grants(roles, tree, person):
    ann = person("ann")
    assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.sales, acting_user=None)
    west = tree.make("Sales West", tree.sales, "team")
    assert AccessGrant.objects.filter(object_pk=str(west.pk), content_type__model="entity").exists()
    entity_delete(entity=west, acting_user=None)
    assert not AccessGrant.objects.filter(object_pk=str(west.pk), content_type__model="entity").exists()
    assert may(ann, "organisation.view_entity", tree.east) and _mirror_is_exact()
