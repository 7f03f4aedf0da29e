"""Members' API tokens: sign-in, rotation, reuse detection, revocation and the Bearer authentication."""

import time
import uuid
from datetime import timedelta

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone

from apps.accounts.models import Membership, User
from apps.security.models import AuthEvent
from apps.tokens.access_tokens import access_token_issue
from apps.tokens.models import RefreshToken, RefreshTokenFamily
from apps.tokens.services import refresh_token_hash, token_pair_issue

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
REVOKE = "/api/v1/auth/token/revoke/"
REVOKE_ALL = "/api/v1/auth/token/revoke-all/"


def _post(client, url, body=None, **headers):
    return client.post(url, body or {}, content_type="application/json", **headers)


def _bearer(access):
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def _totp_now(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


# --- Obtain --------------------------------------------------------------------------------------


def test_member_obtains_a_pair_that_authenticates_on_its_tenant(acme_client, acme_member, obtain, acme):
    response = obtain(acme_member, device_name="Pixel 8")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer" and body["refresh"].startswith("nfr_")
    assert response["Cache-Control"] == "no-store"
    family = RefreshTokenFamily.objects.get(user=acme_member)
    assert (family.tenant, family.device_name) == (acme, "Pixel 8")
    # Only the hash is stored, with a visible prefix.
    stored = RefreshToken.objects.get(family=family)
    assert stored.token_hash == refresh_token_hash(body["refresh"]) and body["refresh"].startswith(stored.prefix)
    assert not RefreshToken.objects.filter(token_hash=body["refresh"]).exists()
    assert AuthEvent.objects.filter(user=acme_member, kind=AuthEvent.Kind.TOKEN_ISSUED, tenant=acme).exists()
    api = acme_client.get("/api/v1/tenant/", **_bearer(body["access"]))
    assert api.status_code == 200 and api.json()["id"] == str(acme.id)


def test_wrong_password_is_401_recorded_and_counted_towards_the_lockout(obtain, acme_member):
    response = obtain(acme_member, password="wrong-password-123")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert AuthEvent.objects.filter(user=acme_member, kind=AuthEvent.Kind.LOGIN_FAILED).exists()
    acme_member.refresh_from_db()
    assert acme_member.failed_login_attempts == 1
    assert not RefreshTokenFamily.objects.filter(user=acme_member).exists()


def test_too_many_wrong_passwords_lock_the_account_with_the_web_message(obtain, acme_member, settings):
    from apps.security.services import lockout_message

    for _ in range(settings.LOCKOUT_MAX_FAILED_ATTEMPTS - 1):
        assert obtain(acme_member, password="wrong-password-123").status_code == 401
    response = obtain(acme_member, password="wrong-password-123")
    assert response.status_code == 403
    assert response.json() == {"detail": lockout_message(), "code": "account_locked"}
    assert obtain(acme_member).json()["code"] == "account_locked"  # the right password does not help


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(acme_client):
    email = f"nobody-{uuid.uuid4().hex[:8]}@acme.test"  # unknown emails are counted in the (shared) cache
    response = _post(acme_client, TOKEN, {"email": email, "password": "whatever-pass-1"})
    assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"
    assert AuthEvent.objects.filter(email=email, kind=AuthEvent.Kind.LOGIN_FAILED).exists()


def test_missing_fields_are_400(acme_client):
    response = _post(acme_client, TOKEN, {"email": "not-an-email"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == {"email", "password"}


def test_locked_account_is_refused_even_with_the_right_password(obtain, acme_member):
    User.objects.filter(pk=acme_member.pk).update(locked_until=timezone.now() + timedelta(minutes=10))
    response = obtain(acme_member)
    assert response.status_code == 403
    assert response.json()["code"] == "account_locked"
    assert not RefreshTokenFamily.objects.filter(user=acme_member).exists()
    assert AuthEvent.objects.filter(
        user=acme_member, kind=AuthEvent.Kind.LOGIN_FAILED, detail__reason="locked"
    ).exists()


def test_an_expired_lock_no_longer_refuses(obtain, acme_member):
    User.objects.filter(pk=acme_member.pk).update(locked_until=timezone.now() - timedelta(minutes=1))
    assert obtain(acme_member).status_code == 200


def test_unverified_email_is_refused(obtain, acme_member):
    User.objects.filter(pk=acme_member.pk).update(email_verified_at=None)
    response = obtain(acme_member)
    assert response.status_code == 403 and response.json()["code"] == "email_unverified"


def test_deactivated_user_gets_invalid_credentials(obtain, acme_member):
    User.objects.filter(pk=acme_member.pk).update(is_active=False)
    assert obtain(acme_member).json()["code"] == "invalid_credentials"


def test_outsider_cannot_obtain_tokens_on_another_tenant(obtain, globex_member, globex_client):
    response = obtain(globex_member)  # on acme's domain
    assert response.status_code == 403
    assert response.json()["code"] == "not_member"
    assert "not a member" in response.json()["detail"]
    assert not RefreshTokenFamily.objects.filter(user=globex_member).exists()
    assert obtain(globex_member, client=globex_client).status_code == 200


@pytest.mark.parametrize(
    ("status", "code"),
    [(Membership.Status.SUSPENDED, "membership_suspended"), (Membership.Status.REMOVED, "membership_removed")],
)
def test_inactive_member_cannot_obtain_tokens(obtain, acme_member, status, code):
    Membership.objects.filter(user=acme_member).update(status=status, removed_at=timezone.now())
    response = obtain(acme_member)
    assert response.status_code == 403 and response.json()["code"] == code
    assert not RefreshTokenFamily.objects.filter(user=acme_member).exists()


# --- MFA -----------------------------------------------------------------------------------------


def test_mfa_user_without_code_is_told_mfa_is_required(obtain, mfa_user):
    user, _, _ = mfa_user
    response = obtain(user)
    assert response.status_code == 401 and response.json()["code"] == "mfa_required"
    assert not RefreshTokenFamily.objects.filter(user=user).exists()


def test_mfa_user_with_a_wrong_code_is_refused_and_recorded(obtain, mfa_user):
    user, _, _ = mfa_user
    response = obtain(user, otp="000000")
    assert response.status_code == 401 and response.json()["code"] == "mfa_invalid"
    assert AuthEvent.objects.filter(user=user, kind=AuthEvent.Kind.MFA_FAILED).exists()


def test_mfa_user_signs_in_with_a_totp_code_once(obtain, mfa_user):
    user, secret, _ = mfa_user
    code = _totp_now(secret)
    assert obtain(user, otp=code).status_code == 200
    # The same code cannot be replayed within its period.
    assert obtain(user, otp=code).json()["code"] == "mfa_invalid"


def test_mfa_user_signs_in_with_a_recovery_code_once(obtain, mfa_user):
    user, _, codes = mfa_user
    assert obtain(user, otp=codes[0]).status_code == 200
    assert AuthEvent.objects.filter(user=user, kind=AuthEvent.Kind.MFA_RECOVERY_CODE_USED).exists()
    assert obtain(user, otp=codes[0]).json()["code"] == "mfa_invalid"


def test_wrong_password_is_refused_before_mfa_is_mentioned(obtain, mfa_user):
    user, _, _ = mfa_user
    assert obtain(user, password="wrong-password-123").json()["code"] == "invalid_credentials"


# --- Refresh and reuse -----------------------------------------------------------------------------


def test_refresh_rotates_within_the_family(acme_client, acme_member, obtain):
    first = obtain(acme_member).json()
    response = _post(acme_client, REFRESH, {"refresh": first["refresh"]})
    assert response.status_code == 200, response.content
    second = response.json()
    assert second["refresh"] != first["refresh"]
    old = RefreshToken.objects.get(token_hash=refresh_token_hash(first["refresh"]))
    new = RefreshToken.objects.get(token_hash=refresh_token_hash(second["refresh"]))
    assert old.rotated_at is not None and old.replaced_by == new and new.family_id == old.family_id
    assert acme_client.get("/api/v1/tenant/", **_bearer(second["access"])).status_code == 200


def test_replayed_refresh_token_revokes_the_whole_family(acme_client, acme_member, obtain):
    first = obtain(acme_member).json()
    second = _post(acme_client, REFRESH, {"refresh": first["refresh"]}).json()
    other_device = obtain(acme_member).json()

    replay = _post(acme_client, REFRESH, {"refresh": first["refresh"]})
    assert replay.status_code == 401 and replay.json()["code"] == "refresh_token_reused"
    family = RefreshTokenFamily.objects.get(tokens__token_hash=refresh_token_hash(first["refresh"]))
    assert family.revoke_reason == RefreshTokenFamily.RevokeReason.REUSE_DETECTED
    assert not family.tokens.filter(revoked_at__isnull=True).exists()
    event = AuthEvent.objects.get(user=acme_member, kind=AuthEvent.Kind.REFRESH_TOKEN_REUSED)
    assert event.detail["family"] == str(family.pk)
    # The family's latest token is refused afterwards; another device's family is untouched.
    latest = _post(acme_client, REFRESH, {"refresh": second["refresh"]})
    assert latest.status_code == 401 and latest.json()["code"] == "refresh_token_revoked"
    assert _post(acme_client, REFRESH, {"refresh": other_device["refresh"]}).status_code == 200


def test_expired_refresh_token_is_refused(acme_client, acme_member, obtain):
    pair = obtain(acme_member).json()
    RefreshToken.objects.filter(token_hash=refresh_token_hash(pair["refresh"])).update(
        issued_at=timezone.now() - timedelta(days=8), expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = _post(acme_client, REFRESH, {"refresh": pair["refresh"]})
    assert response.status_code == 401 and response.json()["code"] == "refresh_token_expired"


def test_unknown_refresh_token_is_refused(acme_client):
    response = _post(acme_client, REFRESH, {"refresh": "nfr_not-a-real-token"})
    assert response.status_code == 401 and response.json()["code"] == "refresh_token_invalid"
    assert _post(acme_client, REFRESH, {}).status_code == 400


def test_acme_refresh_token_is_refused_on_globex_and_stays_usable(acme_client, globex_client, acme_member, obtain):
    pair = obtain(acme_member).json()
    response = _post(globex_client, REFRESH, {"refresh": pair["refresh"]})
    assert response.status_code == 401 and response.json()["code"] == "token_wrong_tenant"
    assert _post(globex_client, REVOKE, {"refresh": pair["refresh"]}).json()["code"] == "token_wrong_tenant"
    assert _post(acme_client, REFRESH, {"refresh": pair["refresh"]}).status_code == 200


def test_refresh_is_refused_once_the_membership_is_suspended(acme_client, acme_member, obtain):
    pair = obtain(acme_member).json()
    Membership.objects.filter(user=acme_member).update(status=Membership.Status.SUSPENDED)
    response = _post(acme_client, REFRESH, {"refresh": pair["refresh"]})
    assert response.status_code == 403 and response.json()["code"] == "membership_suspended"


# --- Revoke --------------------------------------------------------------------------------------


def test_revoke_signs_one_device_out(acme_client, acme_member, obtain):
    pair = obtain(acme_member).json()
    other = obtain(acme_member).json()
    assert _post(acme_client, REVOKE, {"refresh": pair["refresh"]}).status_code == 204
    assert _post(acme_client, REVOKE, {"refresh": pair["refresh"]}).status_code == 204  # idempotent
    assert _post(acme_client, REFRESH, {"refresh": pair["refresh"]}).json()["code"] == "refresh_token_revoked"
    assert _post(acme_client, REFRESH, {"refresh": other["refresh"]}).status_code == 200
    family = RefreshTokenFamily.objects.get(tokens__token_hash=refresh_token_hash(pair["refresh"]))
    assert family.revoke_reason == RefreshTokenFamily.RevokeReason.SIGNED_OUT
    assert AuthEvent.objects.filter(user=acme_member, kind=AuthEvent.Kind.TOKEN_REVOKED).count() == 1


def test_revoke_all_refuses_every_token_at_once(acme_client, acme_member, obtain):
    pair = obtain(acme_member).json()
    other = obtain(acme_member).json()
    response = _post(acme_client, REVOKE_ALL, **_bearer(pair["access"]))
    assert response.status_code == 200 and response.json() == {"families_revoked": 2}
    # A stale version: the access token is refused at once, every refresh token too.
    stale = acme_client.get("/api/v1/tenant/", **_bearer(other["access"]))
    assert stale.status_code == 401 and stale.json()["code"] == "token_revoked"
    assert _post(acme_client, REFRESH, {"refresh": other["refresh"]}).json()["code"] == "refresh_token_revoked"
    acme_member.refresh_from_db()
    assert (acme_member.access_token_version, acme_member.refresh_token_version) == (2, 2)
    assert obtain(acme_member).status_code == 200  # signing in again works


def test_revoke_all_with_a_session(acme_client, acme_member, obtain):
    pair = obtain(acme_member).json()
    acme_client.force_login(acme_member)
    assert _post(acme_client, REVOKE_ALL).status_code == 200
    assert acme_client.get("/api/v1/tenant/", **_bearer(pair["access"])).json()["code"] == "token_revoked"


def test_revoke_all_refuses_outsiders_and_anonymous(acme_client, globex_member, acme_member):
    assert _post(acme_client, REVOKE_ALL).status_code == 403
    acme_client.force_login(globex_member)
    assert _post(acme_client, REVOKE_ALL).status_code == 403
    Membership.objects.filter(user=acme_member).update(status=Membership.Status.SUSPENDED)
    acme_client.force_login(acme_member)
    assert _post(acme_client, REVOKE_ALL).status_code == 403
    globex_member.refresh_from_db()
    assert globex_member.access_token_version == 1


def test_a_refresh_token_from_before_revoke_all_is_refused_even_if_its_family_was_missed(acme_member, acme):
    pair = token_pair_issue(user=acme_member, tenant=acme)
    User.objects.filter(pk=acme_member.pk).update(refresh_token_version=5)
    from apps.tokens.errors import TokenError
    from apps.tokens.services import token_refresh

    with pytest.raises(TokenError) as exc:
        token_refresh(raw_refresh=pair.refresh, tenant=acme)
    assert exc.value.code == "refresh_token_revoked"


# --- Bearer authentication -----------------------------------------------------------------------


def test_acme_access_token_is_refused_on_globex(globex_client, acme_member, obtain):
    access = obtain(acme_member).json()["access"]
    response = globex_client.get("/api/v1/tenant/", **_bearer(access))
    assert response.status_code == 401
    assert response.json()["code"] == "token_wrong_tenant"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_expired_access_token_is_refused(acme_client, acme_member, acme):
    family = token_pair_issue(user=acme_member, tenant=acme).family
    access, _ = access_token_issue(
        user=acme_member, tenant=acme, family=family, now=timezone.now() - timedelta(minutes=16)
    )
    response = acme_client.get("/api/v1/tenant/", **_bearer(access))
    assert response.status_code == 401 and response.json()["code"] == "token_expired"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer", "authorization_malformed"),
        ("Bearer a b", "authorization_malformed"),
        ("Bearer not-a-token", "token_invalid"),
        ("Bearer nf_abcdefgh_secret", "token_invalid"),
        ("Api-Key", "authorization_malformed"),
    ],
)
def test_malformed_authorization_header_is_401_with_a_code(acme_client, acme_member, header, code):
    response = acme_client.get("/api/v1/tenant/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == code


def test_tampered_access_token_is_refused(acme_client, acme_member, obtain):
    access = obtain(acme_member).json()["access"]
    tampered = access[:-2] + ("AA" if not access.endswith("AA") else "BB")
    assert acme_client.get("/api/v1/tenant/", **_bearer(tampered)).json()["code"] == "token_invalid"


def test_unknown_scheme_is_ignored_and_leaves_the_caller_anonymous(acme_client):
    response = acme_client.get("/api/v1/tenant/", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 401  # a credentials header was sent, so the challenge is given


def test_anonymous_without_header_still_gets_403(acme_client):
    assert acme_client.get("/api/v1/tenant/").status_code == 403


def test_access_token_of_a_suspended_member_is_refused_by_the_membership_check(acme_client, acme_member, obtain):
    access = obtain(acme_member).json()["access"]
    Membership.objects.filter(user=acme_member).update(status=Membership.Status.SUSPENDED)
    response = acme_client.get("/api/v1/tenant/", **_bearer(access))
    assert response.status_code == 403 and "suspended" in response.json()["detail"]


def test_bearer_authentication_costs_one_query_for_the_user(
    acme_client, acme_member, obtain, django_assert_max_num_queries
):
    access = obtain(acme_member).json()["access"]
    # Routing (2 search_path sets + the domain), then the token's only read: the user; then the
    # view's own: membership, tenant, domains. No token or family row is read.
    with django_assert_max_num_queries(7):
        assert acme_client.get("/api/v1/tenant/", **_bearer(access)).status_code == 200


def test_tenant_schema_lists_both_security_schemes(acme_client, acme_member):
    acme_client.force_login(acme_member)
    schema = acme_client.get("/api/v1/schema/?format=json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["accessToken"]["scheme"] == "bearer"
    assert schemes["apiKey"]["type"] == "apiKey"
    assert "/api/v1/auth/token/" in schema["paths"]
    assert schema["paths"]["/api/v1/auth/token/"]["post"]["security"] == [{}]  # no credentials needed
    assert {"accessToken": []} in schema["paths"]["/api/v1/tenant/"]["get"]["security"]
    assert {"apiKey": []} in schema["paths"]["/api/v1/tenant/"]["get"]["security"]
