"""Actors beyond the shared ones (tests/fixtures.py): the lower tenant roles and a suspended member
that the member and invitation tests refuse. Imported by the conftest of each test package that uses them."""

import pytest
from django.utils import timezone

from apps.accounts.models import Membership, User
from tests.factories import MembershipFactory


@pytest.fixture
def acme_viewer(acme) -> User:
    membership: Membership = MembershipFactory.create(
        tenant=acme, role=Membership.Role.VIEWER, user__email="viewer@acme.test"
    )
    return membership.user


@pytest.fixture
def acme_suspended(acme) -> User:
    """A tenant admin whose membership is suspended: the role must not help them."""
    membership: Membership = MembershipFactory.create(
        tenant=acme, role=Membership.Role.TENANT_ADMIN, status=Membership.Status.SUSPENDED,
        suspended_at=timezone.now(), user__email="suspended@acme.test",
    )  # fmt: skip
    return membership.user
