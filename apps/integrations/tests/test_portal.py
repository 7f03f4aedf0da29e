"""Portal pages for API keys: tenant admins only; the secret is shown once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.integrations.models import ApiKey

from .conftest import api_key_header

pytestmark = pytest.mark.django_db

LIST = "/manage/api-keys/"
NEW = "/manage/api-keys/new/"


def _revoke_url(api_key):
    return f"/manage/api-keys/{api_key.pk}/revoke/"


def test_admin_sees_the_list_with_prefix_scopes_and_status(acme_client, acme, acme_admin, make_key):
    api_key, raw = make_key(acme, ["tenant:read", "members:read"], name="Payroll sync")
    acme_client.force_login(acme_admin)
    page = acme_client.get(LIST).content.decode()
    assert "Payroll sync" in page and f"nf_{api_key.prefix}_" in page
    assert "tenant:read, members:read" in page and "Active" in page and "Never" in page
    assert raw not in page


def test_admin_creates_a_key_and_sees_the_secret_once(acme_client, acme, acme_admin):
    acme_client.force_login(acme_admin)
    assert "members:read" in acme_client.get(NEW).content.decode()
    response = acme_client.post(NEW, {"name": "ERP", "scopes": ["members:read", "tenant:read"], "expires_in": "30"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    with tenant_context(acme):
        api_key = ApiKey.objects.get()
    secret = response.context["secret"]
    assert secret.startswith(f"nf_{api_key.prefix}_") and secret in response.content.decode()
    assert api_key.expires_at is not None and api_key.created_by == acme_admin
    assert secret not in acme_client.get(LIST).content.decode()
    assert acme_client.get("/api/v1/tenant/", **api_key_header(secret)).status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "scopes": ["tenant:read"]}, "name"),
        ({"name": "X"}, "scopes"),
        ({"name": "X", "scopes": ["members:delete"]}, "scopes"),
        ({"name": "X", "scopes": ["tenant:read"], "expires_in": "7"}, "expires_in"),
    ],
)
def test_create_form_errors_change_nothing(acme_client, acme, acme_admin, data, field):
    acme_client.force_login(acme_admin)
    response = acme_client.post(NEW, data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    with tenant_context(acme):
        assert not ApiKey.objects.exists()


def test_duplicate_name_is_a_form_error_on_the_name(acme_client, acme, acme_admin, make_key):
    make_key(acme, name="ERP")
    acme_client.force_login(acme_admin)
    response = acme_client.post(NEW, {"name": "ERP", "scopes": ["tenant:read"]})
    assert response.status_code == 400
    assert "already exists" in response.context["form"].errors["name"][0]


def test_admin_revokes_after_confirming(acme_client, acme, acme_admin, make_key):
    api_key, raw = make_key(acme, name="Old")
    acme_client.force_login(acme_admin)
    confirm = acme_client.get(_revoke_url(api_key))
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    with tenant_context(acme):
        assert ApiKey.objects.get().revoked_at is None  # looking is not revoking
    response = acme_client.post(_revoke_url(api_key), follow=True)
    assert "was revoked" in response.content.decode()
    with tenant_context(acme):
        assert ApiKey.objects.get().revoked_by == acme_admin
    assert acme_client.get("/api/v1/tenant/", **api_key_header(raw)).status_code == 401
    again = acme_client.post(_revoke_url(api_key), follow=True)
    assert "already revoked" in again.content.decode()


def test_revoking_a_missing_key_is_404(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    assert acme_client.get("/manage/api-keys/999999/revoke/").status_code == 404


@pytest.mark.parametrize("actor", ["acme_member", "acme_viewer", "globex_member", "acme_suspended_admin"])
def test_non_admins_and_outsiders_are_refused_every_page(request, acme_client, acme, make_key, actor):
    api_key, _ = make_key(acme)
    acme_client.force_login(request.getfixturevalue(actor))
    for url in (LIST, NEW, _revoke_url(api_key)):
        assert acme_client.get(url).status_code == 403
    assert acme_client.post(NEW, {"name": "X", "scopes": ["tenant:read"]}).status_code == 403
    assert acme_client.post(_revoke_url(api_key)).status_code == 403
    with tenant_context(acme):
        assert ApiKey.objects.count() == 1 and ApiKey.objects.get().revoked_at is None


def test_anonymous_is_sent_to_sign_in(acme_client):
    response = acme_client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_globex_admin_cannot_reach_an_acme_key_by_id(globex_client, globex, acme, make_key):
    from apps.accounts.models import Membership
    from tests.factories import MembershipFactory

    api_key, _ = make_key(acme)
    globex_client.force_login(MembershipFactory(tenant=globex, role=Membership.Role.TENANT_ADMIN).user)
    assert globex_client.post(_revoke_url(api_key)).status_code == 404


def test_list_page_does_not_query_per_row(acme_client, acme, acme_admin, make_key, django_assert_max_num_queries):
    make_key(acme, name="K0")
    acme_client.force_login(acme_admin)
    with CaptureQueriesContext(connection) as one_row:
        acme_client.get(LIST)
    for i in range(1, 6):
        api_key, _ = make_key(acme, name=f"K{i}")
    with tenant_context(acme):
        ApiKey.objects.filter(pk=api_key.pk).update(revoked_by=acme_admin)
    with django_assert_max_num_queries(len(one_row)):
        assert acme_client.get(LIST).status_code == 200
