import pytest
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.integrations.services import api_key_create
from tests.factories import MembershipFactory


@pytest.fixture
def make_key(acme_admin):
    """make_key(tenant, scopes, **fields) -> (ApiKey, raw key), created in the tenant's schema."""

    def _make(tenant, scopes=("tenant:read",), acting_user=None, **fields):
        with tenant_context(tenant):
            return api_key_create(name=fields.pop("name", f"Key {len(scopes)}"), scopes=list(scopes),
                                  acting_user=acting_user or acme_admin, **fields)  # fmt: skip

    return _make


@pytest.fixture
def acme_viewer(acme):
    return MembershipFactory(tenant=acme, role=Membership.Role.VIEWER, user__email="viewer@acme.test").user


@pytest.fixture
def acme_suspended_admin(acme, acme_admin):
    return MembershipFactory(
        tenant=acme, role=Membership.Role.TENANT_ADMIN, status=Membership.Status.SUSPENDED,
        user__email="suspended-admin@acme.test",
    ).user  # fmt: skip


def api_key_header(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
