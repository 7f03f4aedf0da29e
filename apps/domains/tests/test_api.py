"""GET /api/v1/domains/: the organisation's domains with their certificate status (admins, tenant:read keys)."""

import datetime as dt

import pytest
from django_tenants.utils import tenant_context

from apps.integrations.services import api_key_create
from apps.integrations.tests.conftest import api_key_header
from apps.tenancy.domains import domain_add
from apps.tenancy.models import Domain, TlsStatus

pytestmark = pytest.mark.django_db

URL = "/api/v1/domains/"
SHOP = "shop.acme-corp.test"


@pytest.fixture
def shop(acme, acme_admin) -> Domain:
    domain = domain_add(tenant=acme, domain=SHOP, acting_user=acme_admin)
    Domain.objects.filter(pk=domain.pk).update(
        tls_status=TlsStatus.EXPIRING, tls_expires_at=dt.datetime(2027, 1, 2, 12, 0, tzinfo=dt.UTC)
    )
    return domain


def test_admin_lists_the_domains_with_their_certificates(acme_client, acme_admin, shop, globex,
                                                         django_assert_max_num_queries):  # fmt: skip
    domain_add(tenant=globex, domain="portal.globex.test", acting_user=None)
    acme_client.force_login(acme_admin)
    with django_assert_max_num_queries(12):
        response = acme_client.get(URL)
    assert response.status_code == 200
    rows = {row["domain"]: row for row in response.json()["results"]}
    assert set(rows) == {"acme.localhost", SHOP}  # not globex's
    assert rows[SHOP]["tls_status"] == "expiring" and rows[SHOP]["tls_expires_at"].startswith("2027-01-02T12:00")
    assert rows[SHOP]["verification_status"] == "unverified" and "verification_token" not in rows[SHOP]


def test_api_key_with_tenant_read(acme_client, acme, acme_admin, shop):
    with tenant_context(acme):
        _, raw = api_key_create(name="Certificate monitor", scopes=["tenant:read"], acting_user=acme_admin)
    response = acme_client.get(URL, **api_key_header(raw))
    assert response.status_code == 200 and len(response.json()["results"]) == 2


def test_api_key_without_the_scope_is_refused(acme_client, acme, acme_admin, shop):
    with tenant_context(acme):
        _, raw = api_key_create(name="Members", scopes=["members:read"], acting_user=acme_admin)
    response = acme_client.get(URL, **api_key_header(raw))
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


@pytest.mark.parametrize("who", ["acme_member", "globex_member"])
def test_members_and_outsiders_are_refused(request, acme_client, shop, who):
    acme_client.force_login(request.getfixturevalue(who))
    response = acme_client.get(URL)
    assert response.status_code == 403 and SHOP not in response.content.decode()


def test_anonymous_is_refused(acme_client, shop):
    assert acme_client.get(URL).status_code in (401, 403)
