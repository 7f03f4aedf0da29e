import pytest

from apps.accounts.models import Membership
from apps.accounts.services import membership_create, membership_remove
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_current_users_follows_membership_changes(acme, acme_admin):
    newcomer = UserFactory(email="newcomer@example.test")
    membership = membership_create(user=newcomer, tenant=acme, role=Membership.Role.MEMBER, acting_user=acme_admin)
    acme.refresh_from_db()
    seats = Membership.objects.filter(tenant=acme, status__in=["active", "suspended"]).count()
    assert acme.current_users == seats
    membership_remove(membership=membership, acting_user=acme_admin, reason="left")
    acme.refresh_from_db()
    assert acme.current_users == seats - 1
