"""The policy at work: IP allow-list per request and at sign-in, sign-in methods, session idle and
absolute timeouts, password length and expiry, MFA per entity, API access tokens, and the cost of
the per-request check."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.policy.middleware import SESSION_LOGIN_AT, SESSION_SEEN_AT
from apps.security.models import AuthEvent
from apps.tokens.services import token_pair_issue

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

INSIDE, OUTSIDE = {"REMOTE_ADDR": "10.1.2.3"}, {"REMOTE_ADDR": "192.0.2.50"}


def _shift_session(client, **seconds_back: float) -> None:
    session = client.session
    for key, seconds in seconds_back.items():
        session[key] -= seconds
    session.save()


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- IP allow-list ------------------------------------------------------------------------------


def test_the_allow_list_is_enforced_on_every_portal_and_api_request(acme_client, acme_member, org, set_policy):
    set_policy(org.root, ip_allowlist=["10.0.0.0/8"])
    acme_client.force_login(acme_member)
    assert acme_client.get("/manage/", **INSIDE).status_code == 200
    refused = acme_client.get("/manage/", **OUTSIDE)
    assert refused.status_code == 403
    assert "does not allow access from your network address (192.0.2.50)" in refused.content.decode()
    api = acme_client.get("/api/v1/tenant/", **OUTSIDE)
    assert (api.status_code, api.json()["code"]) == (403, "ip_not_allowed")
    assert acme_client.get("/api/v1/tenant/", **INSIDE).status_code == 200


def test_an_entity_allow_list_applies_to_its_members_only(acme_client, acme_member, acme_admin, org, set_policy, place):
    set_policy(org.sales, ip_allowlist=["10.0.0.0/8"])
    place(acme_member, org.field)
    acme_client.force_login(acme_member)
    assert acme_client.get("/manage/", **OUTSIDE).status_code == 403
    acme_client.force_login(acme_admin)  # in no entity: the root's policy (any address)
    assert acme_client.get("/manage/", **OUTSIDE).status_code == 200


def test_sign_in_from_outside_the_allow_list_is_refused(acme, acme_client, verified, org, set_policy):
    set_policy(org.root, ip_allowlist=["10.0.0.0/8"])
    response = sign_in(acme_client, verified.email, **OUTSIDE)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not _signed_in(acme_client)
    page = acme_client.get(response["Location"], **OUTSIDE).content.decode()
    assert "does not allow access from your network address (192.0.2.50)" in page
    event = AuthEvent.objects.filter(user=verified, kind=AuthEvent.Kind.LOGIN_FAILED).first()
    assert event is not None and event.detail == {"reason": "ip_not_allowed"} and event.tenant_id == acme.pk
    sign_in(acme_client, verified.email, **INSIDE)
    assert _signed_in(acme_client)


def test_a_sign_in_method_the_policy_does_not_allow_is_refused(acme_client, verified, org, set_policy):
    set_policy(org.root, allowed_login_methods=["api_token"])
    response = sign_in(acme_client, verified.email)
    assert not _signed_in(acme_client)
    page = acme_client.get(response["Location"]).content.decode()
    assert "does not allow signing in this way" in page


def test_the_policy_of_one_tenant_does_not_touch_another(globex_client, globex_member, org, set_policy):
    set_policy(org.root, ip_allowlist=["10.0.0.0/8"])  # acme's
    globex_client.force_login(globex_member)
    assert globex_client.get("/manage/", **OUTSIDE).status_code == 200


# --- Sessions -----------------------------------------------------------------------------------


def test_an_idle_session_is_signed_out(acme_client, acme_member, org, set_policy):
    set_policy(org.root, session_idle_timeout_minutes=30)
    acme_client.force_login(acme_member)
    assert acme_client.get("/manage/").status_code == 200
    _shift_session(acme_client, **{SESSION_SEEN_AT: 29 * 60})
    assert acme_client.get("/manage/").status_code == 200  # 29 minutes idle: still in
    _shift_session(acme_client, **{SESSION_SEEN_AT: 31 * 60})
    response = acme_client.get("/manage/account/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fmanage%2Faccount%2F"
    assert not _signed_in(acme_client)
    page = acme_client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page


def test_activity_keeps_the_session_alive(acme_client, acme_member, org, set_policy):
    set_policy(org.root, session_idle_timeout_minutes=30)
    acme_client.force_login(acme_member)
    for _ in range(3):  # 20 minutes idle three times: each request counts as activity
        _shift_session(acme_client, **{SESSION_SEEN_AT: 20 * 60, SESSION_LOGIN_AT: 20 * 60})
        assert acme_client.get("/manage/").status_code == 200


def test_a_session_past_its_absolute_limit_is_signed_out(acme_client, acme_member, org, set_policy):
    set_policy(org.root, session_absolute_timeout_hours=8)
    acme_client.force_login(acme_member)
    assert acme_client.get("/manage/").status_code == 200
    _shift_session(acme_client, **{SESSION_LOGIN_AT: 8 * 3600 + 5})
    response = acme_client.get("/manage/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not _signed_in(acme_client)


def test_the_api_answers_an_expired_session_with_401_and_a_code(acme_client, acme_member, org, set_policy):
    set_policy(org.root, session_idle_timeout_minutes=5)
    acme_client.force_login(acme_member)
    _shift_session(acme_client, **{SESSION_SEEN_AT: 6 * 60})
    response = acme_client.get("/api/v1/tenant/")
    assert (response.status_code, response.json()["code"]) == (401, "session_idle_timeout")
    assert not _signed_in(acme_client)


def test_the_shortest_timeout_of_the_persons_entities_applies(acme_client, acme_member, org, set_policy, place):
    set_policy(org.sales, session_idle_timeout_minutes=120)
    set_policy(org.support, session_idle_timeout_minutes=15)
    place(acme_member, org.sales, org.support)
    acme_client.force_login(acme_member)
    _shift_session(acme_client, **{SESSION_SEEN_AT: 16 * 60})
    assert acme_client.get("/manage/").status_code == 302


# --- Passwords ----------------------------------------------------------------------------------


def test_the_minimum_length_applies_on_password_change(acme, acme_client, verified, org, set_policy):
    set_policy(org.root, password_min_length=20)
    acme_client.force_login(verified)
    short = "tulip-harbour-7"  # 15 characters: enough for the platform, not for Acme
    response = acme_client.post(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": short, "password2": short}
    )
    assert response.status_code == 200
    assert "requires passwords of at least 20 characters" in response.content.decode()
    verified.refresh_from_db()
    assert verified.check_password(PASSWORD)
    long = "tulip-harbour-seventeen-7"
    response = acme_client.post(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": long, "password2": long}
    )
    assert response.status_code == 302
    verified.refresh_from_db()
    assert verified.check_password(long)


def test_the_validator_uses_the_persons_policy_and_stays_out_of_the_platform(acme, org, set_policy, place, acme_member):
    set_policy(org.support, password_min_length=18)
    place(acme_member, org.support)
    with tenant_context(acme):
        with pytest.raises(ValidationError, match="at least 18 characters"):
            validate_password("tulip-harbour-77", user=acme_member)
        validate_password("tulip-harbour-seven-7", user=acme_member)
    validate_password("tulip-harbour-77", user=acme_member)  # public schema: the platform's rule only


def test_an_invitee_choosing_a_password_gets_the_organisation_default(acme, org, set_policy):
    set_policy(org.root, password_min_length=17)
    with tenant_context(acme), pytest.raises(ValidationError, match="at least 17 characters"):
        validate_password("tulip-harbour-77", user=User(email="new@acme.test"))


def test_an_expired_password_must_be_changed_first(acme_client, verified, org, set_policy):
    set_policy(org.root, password_expiry_days=30)
    User.objects.filter(pk=verified.pk).update(last_password_change=timezone.now() - timedelta(days=31))
    acme_client.force_login(verified)
    response = acme_client.get("/manage/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/?next=%2Fmanage%2F"
    api = acme_client.get("/api/v1/tenant/")
    assert (api.status_code, api.json()["code"]) == (403, "password_expired")
    new = "tulip-harbour-seventeen-7"
    acme_client.post("/accounts/password/change/", {"oldpassword": PASSWORD, "password1": new, "password2": new})
    verified.refresh_from_db()
    assert verified.last_password_change > timezone.now() - timedelta(minutes=1)
    assert acme_client.get("/manage/").status_code == 200


def test_a_recent_password_or_no_expiry_passes(acme_client, verified, org, set_policy):
    User.objects.filter(pk=verified.pk).update(last_password_change=timezone.now() - timedelta(days=400))
    acme_client.force_login(verified)
    assert acme_client.get("/manage/").status_code == 200  # expiry 0 (never) by default
    set_policy(org.root, password_expiry_days=500)
    assert acme_client.get("/manage/").status_code == 200


# --- MFA ----------------------------------------------------------------------------------------


def test_mfa_required_on_an_entity_sends_its_members_to_enrolment(
    acme_client, acme_member, acme_admin, org, set_policy, place
):
    set_policy(org.sales, mfa_required=True)
    place(acme_member, org.field)
    acme_client.force_login(acme_member)
    response = acme_client.get("/manage/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")
    api = acme_client.get("/api/v1/tenant/")
    assert (api.status_code, api.json()["code"]) == (403, "mfa_required")
    acme_client.force_login(acme_admin)  # not in Sales
    assert acme_client.get("/manage/").status_code == 200


def test_whoever_an_entity_requires_mfa_of_keeps_their_last_factor(acme, org, set_policy, place, acme_member):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from apps.security.adapters import MFAAdapter

    totp = TOTP.activate(acme_member, generate_totp_secret()).instance
    place(acme_member, org.field)
    assert MFAAdapter().can_delete_authenticator(totp)
    set_policy(org.sales, mfa_required=True)
    assert not MFAAdapter().can_delete_authenticator(totp)


# --- API access tokens --------------------------------------------------------------------------


def _bearer(user, tenant) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_pair_issue(user=user, tenant=tenant).access}"}


def test_access_tokens_follow_the_allow_list_and_the_sign_in_methods(acme, acme_client, acme_member, org, set_policy):
    headers = _bearer(acme_member, acme)
    assert acme_client.get("/api/v1/tenant/", **headers, **OUTSIDE).status_code == 200
    set_policy(org.root, ip_allowlist=["10.0.0.0/8"])
    refused = acme_client.get("/api/v1/tenant/", **headers, **OUTSIDE)
    assert (refused.status_code, refused.json()["code"]) == (403, "ip_not_allowed")
    assert acme_client.get("/api/v1/tenant/", **headers, **INSIDE).status_code == 200
    set_policy(org.root, allowed_login_methods=["password"])
    refused = acme_client.get("/api/v1/tenant/", **headers, **INSIDE)
    assert (refused.status_code, refused.json()["code"]) == (403, "login_method_not_allowed")


# --- Cost ---------------------------------------------------------------------------------------


def test_the_per_request_check_reads_the_cached_policy(acme_client, acme_member, org, set_policy, place):
    set_policy(org.sales, ip_allowlist=["10.0.0.0/8"], session_idle_timeout_minutes=60)
    place(acme_member, org.field)
    acme_client.force_login(acme_member)
    assert acme_client.get("/api/v1/tenant/", **INSIDE).status_code == 200  # computes and caches the policy
    with CaptureQueriesContext(connection) as queries:
        assert acme_client.get("/api/v1/tenant/", **INSIDE).status_code == 200
    policy_queries = [
        q["sql"] for q in queries.captured_queries
        if "policy_securitypolicy" in q["sql"] or "organisation_entitymembership" in q["sql"]
    ]  # fmt: skip
    assert policy_queries == []


def test_the_middleware_check_costs_no_query_when_cached(
    rf, acme, acme_member, org, set_policy, place, django_assert_num_queries
):
    from django.contrib.sessions.backends.cache import SessionStore

    from apps.policy.middleware import SecurityPolicyMiddleware

    set_policy(org.sales, ip_allowlist=["10.0.0.0/8"])
    place(acme_member, org.field)
    middleware = SecurityPolicyMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    request = rf.get("/manage/", **INSIDE)
    request.tenant, request.user, request.session = acme, acme_member, SessionStore()
    with tenant_context(acme):
        assert middleware._enforce(request) is None  # computes (two queries) and caches
        with django_assert_num_queries(0):
            assert middleware._enforce(request) is None
