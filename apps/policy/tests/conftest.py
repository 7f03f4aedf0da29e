"""Helpers for the security policy tests: a small organisation in acme, people placed in it, and
and no sign-in rate limit."""

import pytest
from django_tenants.utils import tenant_context

from apps.accounts.services import user_email_mark_verified
from apps.organisation.models import Entity, EntityType
from apps.organisation.services import entity_create, entity_membership_add, profile_ensure
from apps.policy.services import policy_set

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _no_login_rate_limit(settings):
    # Every test signs in from the same address; allauth's per-IP limit would make them depend on each other.
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture
def org(acme, acme_root):
    """Acme > Sales (group) > Field team (team), and Acme > Support (group)."""

    class Org:
        root = acme_root

    with tenant_context(acme):
        group, team = EntityType.objects.get(code="group"), EntityType.objects.get(code="team")
        Org.sales = entity_create(name="Sales", entity_type=group, parent=acme_root, acting_user=None)
        Org.field = entity_create(name="Field team", entity_type=team, parent=Org.sales, acting_user=None)
        Org.support = entity_create(name="Support", entity_type=group, parent=acme_root, acting_user=None)
    return Org


@pytest.fixture
def place(acme):
    """place(user, *entities): make the user a member of those entities (in acme)."""

    def _place(user, *entities: Entity):
        with tenant_context(acme):
            profile = profile_ensure(user=user, acting_user=None)
            for entity in entities:
                entity_membership_add(profile=profile, entity=entity, acting_user=None)
        return user

    return _place


@pytest.fixture
def set_policy(acme):
    """set_policy(entity, **fields) in acme, as nobody in particular."""

    def _set(entity: Entity, **fields):
        with tenant_context(acme):
            return policy_set(entity=entity, acting_user=None, **fields)

    return _set


@pytest.fixture
def verified(acme_member):
    """acme_member, able to sign in through allauth (verified email)."""
    return user_email_mark_verified(user=acme_member, acting_user=None)


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)
