"""Approvals tests: a test kind over organisation.Entity (the subject), an availability provider the
tests control, and a small organisation in Acme's schema.

Acme (root)
├── Sales (department)        ann (requester) → mia (manager) → max (manager's manager)
│   └── Sales East (team)     ann, tom
└── Support (department)      hr
"""

from types import SimpleNamespace

import pytest

from apps.access.tests.conftest import in_acme, roles, tree  # noqa: F401 - shared fixtures
from apps.accounts.models import Membership
from apps.core.contributions import ApprovalKind, AvailabilityProvider, contribute, contributions_reset
from apps.organisation.models import MemberProfile
from apps.organisation.services import entity_membership_add, profile_ensure, profile_update
from tests.factories import MembershipFactory

KIND = "test_entity"
STATE = SimpleNamespace(fields={}, decisions=[], fail_with=None, away=set())


def fields_of(entity):
    return STATE.fields.get(entity.pk, {"days": 1, "team": "sales"})


def decided(request, outcome):
    if STATE.fail_with:
        raise STATE.fail_with
    STATE.decisions.append((request.subject_id, outcome))


def away(user_ids, day):
    return {pk for pk in user_ids if pk in STATE.away}


@pytest.fixture(autouse=True)
def test_kind():
    """The test kind and availability provider, forgotten after the test."""
    STATE.fields, STATE.decisions, STATE.fail_with, STATE.away = {}, [], None, set()
    contribute(
        ApprovalKind(
            KIND, "Entity change", "organisation.Entity", on_decision=f"{__name__}.decided",
            subject_fields=f"{__name__}.fields_of", fields=(("days", "int"), ("team", "str"), ("amount", "decimal")),
            describe=lambda entity: f"Change of {entity.name}", sample=lambda: {"days": 5},
        ),
        AvailabilityProvider("test", f"{__name__}.away"),
    )  # fmt: skip
    yield STATE
    contributions_reset()


@pytest.fixture
def person(acme):
    """person("ann", entity=None) -> an active member of Acme named Ann, with a profile (in `entity` if given)."""

    def make(name, entity=None):
        user = MembershipFactory(
            tenant=acme, role=Membership.Role.MEMBER, user__email=f"{name}@acme.test", user__full_name=name.title()
        ).user
        profile = profile_ensure(user=user, acting_user=None)
        if entity is not None:
            entity_membership_add(profile=profile, entity=entity, acting_user=None)
        return user

    return make


def manager_set(user, manager):
    profile = MemberProfile.objects.get(user=user)
    profile_update(profile=profile, manager=MemberProfile.objects.get(user=manager), acting_user=None)


@pytest.fixture
def org(in_acme, tree, person, acme_admin):  # noqa: F811 - the imported fixtures
    """ann (requester, Sales East) reports to mia, who reports to max; tom is in Sales East; hr in Support."""
    max_ = person("max", tree.sales)
    mia = person("mia", tree.sales)
    ann = person("ann", tree.east)
    tom = person("tom", tree.east)
    hr = person("hr", tree.support)
    manager_set(mia, max_)
    manager_set(ann, mia)
    return SimpleNamespace(
        tree=tree, ann=ann, mia=mia, max=max_, tom=tom, hr=hr, admin=acme_admin, schema=in_acme.schema_name
    )
