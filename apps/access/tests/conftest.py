"""A small organisation in Acme's schema and the people the access tests give roles to.

Acme (root)
├── Sales (department)
│   └── Sales East (team)
└── Support (department)
"""

from types import SimpleNamespace

import pytest
from django_tenants.utils import tenant_context

from apps.access.models import Role
from apps.accounts.models import Membership
from apps.organisation.models import Entity, EntityType, MemberProfile
from apps.organisation.services import entity_create, entity_membership_add, profile_ensure
from tests.factories import MembershipFactory


@pytest.fixture
def in_acme(acme):
    """The test body runs in Acme's schema."""
    with tenant_context(acme):
        yield acme


@pytest.fixture
def tree(in_acme, acme_root):
    def make(name: str, parent: Entity, type_code: str) -> Entity:
        return entity_create(
            name=name, entity_type=EntityType.objects.get(code=type_code), parent=parent, acting_user=None
        )

    sales = make("Sales", acme_root, "department")
    east = make("Sales East", sales, "team")
    support = make("Support", acme_root, "department")
    return SimpleNamespace(root=acme_root, sales=sales, east=east, support=support, make=make)


@pytest.fixture
def person(acme):
    """person("ann", entity=None) -> an active member of Acme with a profile (in `entity` if given)."""

    def make(name: str, entity: Entity | None = None, tenant=None):
        user = MembershipFactory(
            tenant=tenant or acme, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test"
        ).user
        profile = profile_ensure(user=user, acting_user=None)
        if entity is not None:
            entity_membership_add(profile=profile, entity=entity, acting_user=None)
        return user

    return make


@pytest.fixture
def roles(in_acme):
    """The default roles by code (the session set-up ensured them in every tenant)."""
    return {role.code: role for role in Role.objects.all()}


def profile_of(user) -> MemberProfile:
    return MemberProfile.objects.get(user=user)
