"""Fixtures of the organisation tests: acme's schema, a small tree and people in it."""

import pytest
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.integrations.services import api_key_create
from apps.organisation.models import EntityType
from apps.organisation.services import entity_create, entity_membership_add, profile_ensure
from tests.factories import MembershipFactory


@pytest.fixture
def acme_schema(acme):
    """Run the test body in acme's schema (services write there)."""
    with tenant_context(acme):
        yield acme


@pytest.fixture
def make_entity(acme_admin):
    """make_entity(name, parent, type_code="department", **fields) in the current schema."""

    def _make(name, parent, type_code="department", acting_user=None, **fields):
        return entity_create(
            name=name, entity_type=EntityType.objects.get(code=type_code), parent=parent,
            acting_user=acting_user or acme_admin, **fields,
        )  # fmt: skip

    return _make


@pytest.fixture
def tree(acme_schema, acme_root, make_entity):
    """Acme > Operations (group) > Sales (department) > Sales North, Sales South (teams); Operations > Support."""
    operations = make_entity("Operations", acme_root, "group")
    sales = make_entity("Sales", operations)
    support = make_entity("Support", operations)
    north = make_entity("Sales North", sales, "team")
    south = make_entity("Sales South", sales, "team")
    return {"root": acme_root, "operations": operations, "sales": sales, "support": support,
            "north": north, "south": south}  # fmt: skip


@pytest.fixture
def make_person(acme, acme_admin):
    """make_person(email, entity=None, role="member", **profile fields) -> MemberProfile (current schema)."""

    def _make(email, entity=None, role=Membership.Role.MEMBER, is_primary=True, **fields):
        user = MembershipFactory(tenant=acme, role=role, user__email=email).user
        profile = profile_ensure(user=user, acting_user=acme_admin, **fields)
        if entity is not None:
            entity_membership_add(profile=profile, entity=entity, acting_user=acme_admin, is_primary=is_primary)
        return profile

    return _make


@pytest.fixture
def acme_key(acme, acme_admin):
    """acme_key(scopes) -> (ApiKey, raw key) in acme's schema."""

    def _make(scopes=("organisation:read",), name="Org sync"):
        with tenant_context(acme):
            return api_key_create(name=name, scopes=list(scopes), acting_user=acme_admin)

    return _make


@pytest.fixture
def grant(acme, acme_admin):
    """grant(user_or_api_key, ["organisation.view_people", ...], scope_entity) -> RoleAssignment (acme's schema).

    A fresh role carrying exactly those permissions, assigned on the entity's subtree."""
    from itertools import count

    from apps.access.services import assignment_create, role_create
    from apps.integrations.models import ApiKey

    numbers = count(1)

    def _grant(principal, permissions, scope_entity):
        with tenant_context(acme):
            n = next(numbers)
            role = role_create(code=f"org-test-{n}", name=f"Org test {n}", permissions=list(permissions),
                               acting_user=acme_admin)  # fmt: skip
            who = {"api_key": principal} if isinstance(principal, ApiKey) else {"user": principal}
            return assignment_create(role=role, scope_entity=scope_entity, acting_user=acme_admin, **who)

    return _grant


@pytest.fixture
def people(tree, make_person, acme_admin):
    """ann (Sales North, manager of bob), bob (Sales South), cat (Support); plus the acme_admin's own profile."""
    from apps.organisation.services import profile_update

    ann = make_person("ann@acme.test", entity=tree["north"], job_title="Team lead", employee_code="E-100")
    bob = make_person("bob@acme.test", entity=tree["south"], manager=ann)
    cat = make_person("cat@acme.test", entity=tree["support"])
    profile_update(profile=bob, job_title="Rep", acting_user=acme_admin)
    return {"ann": ann, "bob": bob, "cat": cat}
