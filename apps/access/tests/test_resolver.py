"""The resolver: may, allowed_objects, explain; tenant admins, members, API keys, other tenants."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from guardian.models import UserObjectPermission

from apps.access.catalogue import permission_catalogue
from apps.access.models import Role
from apps.access.resolver import (
    UnknownPermission,
    allowed_entities,
    allowed_objects,
    explain,
    may,
    may_model,
    refusal_message,
)
from apps.access.services import assignment_create, default_roles_ensure
from apps.accounts.models import Membership, User
from apps.integrations.authentication import ApiKeyPrincipal
from apps.integrations.services import api_key_create, api_key_revoke
from apps.organisation.models import Entity, EntityType, MemberProfile
from apps.organisation.services import entity_create, profile_ensure
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _fresh(user: User) -> User:
    """The user as a new request would load it (no cached membership)."""
    return User.objects.get(pk=user.pk)


def test_tenant_admin_may_do_everything_in_their_tenant(tree, acme_admin):
    assert may(acme_admin, "organisation.manage_branding", tree.east)
    assert set(allowed_entities(acme_admin, "organisation.view_entity")) == set(Entity.objects.all())
    assert may_model(acme_admin, "organisation.manage_security_policy")
    [why] = explain(acme_admin, "organisation.view_people", tree.sales)
    assert (why.principal_kind, why.text) == ("tenant_admin", "tenant admin of Acme")


def test_without_an_active_membership_stale_grants_count_for_nothing(roles, tree, person):
    ann = person("ann")
    assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.sales, acting_user=None)
    Membership.objects.filter(user=ann).update(status=Membership.Status.SUSPENDED)
    ann = _fresh(ann)
    assert UserObjectPermission.objects.filter(user=ann).exists()
    assert not may(ann, "organisation.view_entity", tree.sales) and not may_model(ann, "organisation.view_entity")
    assert not allowed_entities(ann, "organisation.view_entity").exists()
    assert explain(ann, "organisation.view_entity", tree.sales) == []


def test_nobody_else_may_anything(tree, person, acme_member):
    anonymous = type("Anonymous", (), {"is_authenticated": False, "is_active": False, "pk": None})()
    for who in (None, anonymous, acme_member):
        assert not may(who, "organisation.view_entity", tree.root)
        assert not allowed_entities(who, "organisation.view_entity").exists()


def test_explain_names_the_assignment_role_inherited_role_team_and_scope(roles, tree, person):
    ann = person("ann", tree.east)
    until = timezone.now() + timedelta(days=30)
    team = assignment_create(
        role=roles["manager"], team=tree.east, scope_entity=tree.sales, valid_until=until, acting_user=None
    )
    direct = assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.root, acting_user=None)
    by_team, by_user = explain(ann, "organisation.view_entity", tree.east)
    assert (by_team.assignment, by_team.role, by_team.via_role) == (team, roles["manager"], roles["member"])
    assert (by_team.principal_kind, by_team.team, by_team.valid_until) == ("team", tree.east, until)
    assert by_team.scope == "Sales and everything below it"
    assert by_team.text.startswith("Role “Manager” (inherited from “Member”) given to the team Sales East, on Sales")
    assert (by_user.assignment, by_user.principal_kind, by_user.team) == (direct, "user", None)
    assert by_user.text == "Role “Viewer” (inherited from “Member”) given directly, on Acme and everything below it."
    by_team, by_user = explain(ann, "organisation.change_memberprofile", MemberProfile.objects.get(user=ann))
    assert (by_team.via_role, by_team.conditions) == (roles["manager"], frozenset())
    assert (by_user.via_role, by_user.conditions, by_user.scope) == (
        roles["member"], frozenset({"own_records"}), "their own profile",
    )  # fmt: skip
    assert explain(ann, "organisation.manage_people", tree.support) == []
    [anywhere] = explain(ann, "organisation.manage_people")
    assert anywhere.assignment == team


def test_tenant_isolation_other_tenants_grants_never_match(roles, tree, person, acme, globex):
    both = person("both")  # a member of Acme, and of Globex too
    MembershipFactory(tenant=globex, user=both, role=Membership.Role.MEMBER)
    outsider = MembershipFactory(tenant=globex, role=Membership.Role.MEMBER).user
    with tenant_context(globex):
        default_roles_ensure()
        root = Entity.objects.get(parent__isnull=True)
        for user in (both, outsider):
            profile_ensure(user=user, acting_user=None)
            assignment_create(role=Role.objects.get(code="viewer"), user=user, scope_entity=root, acting_user=None)
        globex_ids = set(Entity.objects.values_list("pk", flat=True))
        assert may(_fresh(both), "organisation.view_entity", root)
    same_ids = Entity.objects.filter(pk__in=globex_ids)  # Acme's entities that share an id with Globex's
    assert same_ids.exists()
    for user in (_fresh(both), _fresh(outsider)):
        assert not any(may(user, "organisation.view_entity", entity) for entity in same_ids)
        assert not allowed_entities(user, "organisation.view_entity").exists()
        assert not UserObjectPermission.objects.filter(user=user).exists()  # guardian rows live per schema


def test_api_key_principal_sees_what_its_assignments_cover(roles, tree, person, acme_admin):
    bob = person("bob", tree.east)
    key, _ = api_key_create(name="Sync", scopes=["organisation:read"], acting_user=acme_admin)
    principal = ApiKeyPrincipal(key)
    assert not may(principal, "organisation.view_entity", tree.sales)  # no assignment: sees nothing
    assert not allowed_entities(principal, "organisation.view_entity").exists()
    assignment_create(role=roles["viewer"], api_key=key, scope_entity=tree.sales, acting_user=acme_admin)
    assert may(principal, "organisation.view_entity", tree.east) and not may(
        principal, "organisation.view_entity", tree.support
    )
    assert may(principal, "organisation.view_memberprofile", MemberProfile.objects.get(user=bob))
    assert set(allowed_entities(principal, "organisation.view_entity")) == {tree.sales, tree.east}
    assert may_model(principal, "organisation.view_people") and not may_model(principal, "organisation.manage_people")
    [why] = explain(principal, "organisation.view_entity", tree.east)
    assert why.principal_kind == "api_key" and why.text.endswith(
        "given to this API key, on Sales and everything below it."
    )
    assert not UserObjectPermission.objects.exists()  # keys are not users: their grants stay in the ledger
    key = api_key_revoke(api_key=key, acting_user=acme_admin)
    assert not may(ApiKeyPrincipal(key), "organisation.view_entity", tree.east)


def test_allowed_objects_works_on_profiles_and_refuses_other_models(roles, tree, person):
    ann, bob, cat = person("ann"), person("bob", tree.east), person("cat", tree.support)
    assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.sales, acting_user=None)
    profiles = allowed_objects(ann, "organisation.view_memberprofile", MemberProfile.objects.all())
    assert list(profiles) == [MemberProfile.objects.get(user=bob)] and cat is not None
    assert not allowed_objects(ann, "organisation.view_entity", MemberProfile.objects.all()).exists()
    assert not may(ann, "organisation.view_entity", MemberProfile.objects.get(user=bob))


def test_unknown_permissions_are_a_programming_error(tree, acme_admin):
    with pytest.raises(UnknownPermission):
        may(acme_admin, "organisation.fly", tree.root)
    with pytest.raises(UnknownPermission):
        allowed_entities(acme_admin, "view_entity")


def test_refusal_message_names_the_permission_and_object(tree):
    assert refusal_message("organisation.view_people", tree.sales) == (
        "You need the “View people” permission on Sales for this."
    )
    assert refusal_message("organisation.change_memberprofile") == (
        "You need the “Change member profile” permission for this."
    )


def test_checks_are_a_constant_number_of_queries_whatever_the_depth_and_size(
    roles, tree, person, django_assert_num_queries
):
    ann = person("ann")
    department = EntityType.objects.get(code="department")
    chain = [tree.sales]
    for depth in range(10):
        chain.append(entity_create(name=f"Level {depth}", entity_type=department, parent=chain[-1], acting_user=None))
    assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.sales, acting_user=None)
    permission_catalogue()
    for target in (chain[1], chain[-1]):
        fresh = _fresh(ann)
        with django_assert_num_queries(2):  # the membership (then cached on the user), the grant
            assert may(fresh, "organisation.view_entity", target)
        with django_assert_num_queries(1):
            assert may(fresh, "organisation.view_people", target)
    with django_assert_num_queries(1):
        assert len(allowed_entities(fresh, "organisation.view_entity")) == 12  # Sales, Sales East and the chain
    for i in range(30):
        entity_create(name=f"Leaf {i}", entity_type=department, parent=chain[-1], acting_user=None)
    with django_assert_num_queries(1):
        assert len(allowed_entities(fresh, "organisation.view_entity")) == 42
    with django_assert_num_queries(1):
        assert may_model(fresh, "organisation.view_people")
