"""API keys: authenticating with a key (scopes, tenant, state, rate) and managing keys over the API."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.integrations.models import ApiKey
from apps.sysconfig.testing import setting_override
from apps.tokens.services import token_pair_issue

from .conftest import api_key_header

pytestmark = pytest.mark.django_db

TENANT = "/api/v1/tenant/"
KEYS = "/api/v1/api-keys/"


# --- Authenticating with a key -------------------------------------------------------------------


def test_key_with_tenant_read_reads_the_tenant_and_is_stamped(acme_client, acme, make_key):
    api_key, raw = make_key(acme, ["tenant:read"])
    response = acme_client.get(TENANT, **api_key_header(raw), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200 and response.json()["id"] == str(acme.id)
    with tenant_context(acme):
        api_key.refresh_from_db()
    assert api_key.last_used_at is not None and api_key.last_used_ip == "203.0.113.7"


def test_key_without_the_scope_is_403_insufficient_scope(acme_client, acme, make_key):
    _, raw = make_key(acme, ["members:read"])
    response = acme_client.get(TENANT, **api_key_header(raw))
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert "tenant:read" in response.json()["detail"]


def test_acme_key_on_globex_is_401_api_key_invalid(globex_client, acme, make_key):
    _, raw = make_key(acme, ["tenant:read"])
    response = globex_client.get(TENANT, **api_key_header(raw))
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'


def test_key_on_the_platform_domain_is_401(platform_client, acme, make_key):
    _, raw = make_key(acme, ["tenant:read"])
    response = platform_client.get("/api/platform/tenants/", **api_key_header(raw))
    assert response.status_code == 401 and response.json()["code"] == "api_key_invalid"


def test_revoked_key_is_401_api_key_revoked(acme_client, acme, acme_admin, make_key):
    api_key, raw = make_key(acme)
    with tenant_context(acme):
        ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now(), revoked_by=acme_admin)
    response = acme_client.get(TENANT, **api_key_header(raw))
    assert response.status_code == 401 and response.json()["code"] == "api_key_revoked"


def test_expired_key_is_401_api_key_expired(acme_client, acme, make_key):
    api_key, raw = make_key(acme, expires_at=timezone.now() + timedelta(days=1))
    with tenant_context(acme):
        ApiKey.objects.filter(pk=api_key.pk).update(
            created_at=timezone.now() - timedelta(days=3), expires_at=timezone.now() - timedelta(seconds=1)
        )
    response = acme_client.get(TENANT, **api_key_header(raw))
    assert response.status_code == 401 and response.json()["code"] == "api_key_expired"


@pytest.mark.parametrize("credentials", ["nf_short_x", "nf_abcdefgh_wrongsecret", "not-a-key", "nf_abcdefgh_"])
def test_unknown_or_malformed_keys_are_401_api_key_invalid(acme_client, credentials):
    response = acme_client.get(TENANT, HTTP_AUTHORIZATION=f"Api-Key {credentials}")
    assert response.status_code == 401 and response.json()["code"] == "api_key_invalid"


def test_a_right_prefix_with_a_wrong_secret_is_refused(acme_client, acme, make_key):
    api_key, _ = make_key(acme)
    response = acme_client.get(TENANT, HTTP_AUTHORIZATION=f"Api-Key nf_{api_key.prefix}_{'x' * 43}")
    assert response.status_code == 401 and response.json()["code"] == "api_key_invalid"


def test_malformed_api_key_header_is_401(acme_client):
    response = acme_client.get(TENANT, HTTP_AUTHORIZATION="Api-Key one two")
    assert response.status_code == 401 and response.json()["code"] == "authorization_malformed"


def test_throttled_key_gets_429_and_other_keys_are_not_affected(acme_client, acme, make_key):
    _, raw = make_key(acme, name="Busy")
    _, other = make_key(acme, name="Quiet")
    with setting_override("ratelimit.api_per_minute", 3):  # the rate is a system setting (issue 7)
        for _ in range(3):
            assert acme_client.get(TENANT, **api_key_header(raw)).status_code == 200
        throttled = acme_client.get(TENANT, **api_key_header(raw))
        assert throttled.status_code == 429 and "Retry-After" in throttled
        assert acme_client.get(TENANT, **api_key_header(other)).status_code == 200


def test_people_are_not_throttled_by_the_key_rate(acme_client, acme_member):
    acme_client.force_login(acme_member)
    with setting_override("ratelimit.api_per_minute", 1):
        assert all(acme_client.get(TENANT).status_code == 200 for _ in range(3))


def test_a_key_cannot_use_member_only_endpoints(acme_client, acme, make_key):
    _, raw = make_key(acme, ["tenant:read", "members:read", "members:write"])
    response = acme_client.post("/api/v1/auth/token/revoke-all/", **api_key_header(raw))
    assert response.status_code == 403 and response.json()["code"] == "api_key_not_allowed"


def test_members_still_read_the_tenant_and_outsiders_do_not(acme_client, acme_member, globex_member):
    acme_client.force_login(globex_member)
    response = acme_client.get(TENANT)
    assert response.status_code == 403 and "not a member" in response.json()["detail"]
    acme_client.force_login(acme_member)
    assert acme_client.get(TENANT).status_code == 200


# --- Managing keys over the API ------------------------------------------------------------------


def _bearer_for(user, tenant):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_pair_issue(user=user, tenant=tenant).access}"}


def test_admin_creates_lists_and_revokes_a_key_with_an_access_token(acme_client, acme, acme_admin):
    auth = _bearer_for(acme_admin, acme)
    created = acme_client.post(
        KEYS, {"name": "ERP", "scopes": ["members:read", "tenant:read"]}, content_type="application/json", **auth
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["key"].startswith(f"nf_{body['prefix']}_") and body["status"] == "active"
    assert body["created_by"] == acme_admin.code and created["Cache-Control"] == "no-store"
    listed = acme_client.get(KEYS, **auth).json()["results"]
    assert [row["name"] for row in listed] == ["ERP"] and "key" not in listed[0]
    assert acme_client.get(TENANT, **api_key_header(body["key"])).status_code == 200
    revoked = acme_client.post(f"{KEYS}{body['id']}/revoke/", **auth)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert acme_client.get(TENANT, **api_key_header(body["key"])).json()["code"] == "api_key_revoked"
    again = acme_client.post(f"{KEYS}{body['id']}/revoke/", **auth)
    assert again.status_code == 400 and again.json()["code"] == "already_revoked"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "X", "scopes": []}, "empty"),
        ({"name": "X", "scopes": ["members:delete"]}, "invalid_choice"),
        ({"name": "X", "scopes": ["tenant:read"], "expires_at": "2001-01-01T00:00:00Z"}, "expiry_in_past"),
        ({"scopes": ["tenant:read"]}, "required"),
    ],
)
def test_create_with_bad_input_is_400_with_a_code(acme_client, acme, acme_admin, body, code):
    acme_client.force_login(acme_admin)
    response = acme_client.post(KEYS, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    with tenant_context(acme):
        assert not ApiKey.objects.exists()


def test_duplicate_active_name_is_400_name_taken(acme_client, acme, acme_admin, make_key):
    make_key(acme, name="ERP")
    acme_client.force_login(acme_admin)
    response = acme_client.post(KEYS, {"name": "erp", "scopes": ["tenant:read"]}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "name_taken"


def test_non_admins_and_outsiders_cannot_manage_keys(
    acme_client, acme, acme_member, globex_member, acme_suspended_admin, make_key
):
    api_key, _ = make_key(acme)
    for user, code in [
        (acme_member, "tenant_admin_required"),
        (globex_member, "not_member"),
        (acme_suspended_admin, "membership_suspended"),
    ]:
        acme_client.force_login(user)
        assert acme_client.get(KEYS).json()["code"] == code
        response = acme_client.post(KEYS, {"name": "X", "scopes": ["tenant:read"]}, content_type="application/json")
        assert response.status_code == 403 and response.json()["code"] == code
        assert acme_client.post(f"{KEYS}{api_key.pk}/revoke/").status_code == 403
    with tenant_context(acme):
        assert ApiKey.objects.get().revoked_at is None and ApiKey.objects.count() == 1


def test_admin_of_globex_cannot_see_or_revoke_acme_keys(globex_client, globex, acme, make_key):
    from tests.factories import MembershipFactory

    globex_admin = MembershipFactory(tenant=globex, role=Membership.Role.TENANT_ADMIN).user
    api_key, _ = make_key(acme)
    globex_client.force_login(globex_admin)
    assert globex_client.get(KEYS).json()["results"] == []
    assert globex_client.post(f"{KEYS}{api_key.pk}/revoke/").status_code == 404
    with tenant_context(acme):
        assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None


def test_a_key_with_api_keys_read_may_list_but_never_create_or_revoke(acme_client, acme, make_key):
    api_key, raw = make_key(acme, ["api_keys:read"])
    assert acme_client.get(KEYS, **api_key_header(raw)).status_code == 200
    created = acme_client.post(
        KEYS, {"name": "X", "scopes": ["tenant:read"]}, content_type="application/json", **api_key_header(raw)
    )
    assert created.status_code == 403 and created.json()["code"] == "api_key_not_allowed"
    assert acme_client.post(f"{KEYS}{api_key.pk}/revoke/", **api_key_header(raw)).status_code == 403
    _, reader = make_key(acme, ["tenant:read"], name="Other")
    assert acme_client.get(KEYS, **api_key_header(reader)).json()["code"] == "insufficient_scope"


def test_key_list_does_not_query_per_row(acme_client, acme, acme_admin, make_key, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_key(acme, name="K0")
    acme_client.force_login(acme_admin)
    with CaptureQueriesContext(connection) as one_row:
        acme_client.get(KEYS)
    for i in range(1, 6):
        make_key(acme, name=f"K{i}")
    with django_assert_max_num_queries(len(one_row)):
        response = acme_client.get(KEYS)
    assert len(response.json()["results"]) == 6
