"""Writes on user API tokens: sign-in, rotation with reuse detection, revocation."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from apps.accounts.access import REFUSAL_CODES, REFUSALS
from apps.accounts.models import Membership, User
from apps.accounts.selectors import membership_for
from apps.audit.services import audit_record
from apps.core import hooks
from apps.core.correlation import get_client
from apps.security.models import AuthEvent
from apps.security.otp import OtpError, code_ttl_minutes, otp_code_send, otp_code_verify, otp_code_waiting
from apps.security.otp_selectors import otp_factors_usable
from apps.security.risk import SignInRisk
from apps.security.risk_flow import api_sign_in_check, api_sign_in_completed
from apps.security.selectors import login_is_locked
from apps.security.services import (
    auth_event_record,
    lockout_message,
    login_failure_register,
    login_refused_while_locked,
)
from apps.sysconfig.readers import refresh_token_days

from .access_tokens import access_token_issue
from .errors import TokenError, token_error
from .models import RefreshToken, RefreshTokenFamily

REFRESH_TOKEN_PREFIX = "nfr_"  # noqa: S105  (a visible marker, not a secret)
EMAIL_UNVERIFIED_MESSAGE = "Verify your email address (follow the link we sent you) before signing in."


@dataclass(frozen=True)
class TokenPair:
    access: str
    access_expires_at: datetime
    refresh: str
    refresh_expires_at: datetime
    family: RefreshTokenFamily


def refresh_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _refresh_token_new(*, family: RefreshTokenFamily, now: datetime) -> tuple[RefreshToken, str]:
    raw = REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(48)
    token = RefreshToken(
        family=family, token_hash=refresh_token_hash(raw), prefix=raw[:12], issued_at=now,
        expires_at=now + timedelta(days=refresh_token_days()),
    )  # fmt: skip
    token.full_clean(validate_unique=False)  # 384 random bits: a hash collision is the database's to refuse
    token.save()
    return token, raw


def _pair(*, user: User, family: RefreshTokenFamily, now: datetime) -> tuple[TokenPair, RefreshToken]:
    token, raw = _refresh_token_new(family=family, now=now)
    access, access_expires_at = access_token_issue(user=user, tenant=family.tenant, family=family, now=now)
    pair = TokenPair(access, access_expires_at, raw, token.expires_at, family)
    return pair, token


# --- Sign-in ------------------------------------------------------------------------------------


def _login_failed(*, email: str, user: User | None, tenant: Any, reason: str) -> None:
    detail = {"via": "api_token", "reason": reason}
    auth_event_record(kind=AuthEvent.Kind.LOGIN_FAILED, user=user, email=email, tenant=tenant, detail=detail)


def _credentials_check(*, email: str, password: str, tenant: Any) -> User:
    """The web sign-in's rules: a locked email is refused before the password is checked, and a
    wrong password counts towards the lockout (apps.security), with the same words."""
    if login_is_locked(email=email):
        login_refused_while_locked(email=email)
        raise TokenError("account_locked", lockout_message(), status=403)
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        make_password(password)  # same work as a real check, so timing does not tell who has an account
    if user is None or not user.check_password(password) or not user.is_active:
        if login_failure_register(email=email):  # records the login_failed event; True once it locks
            raise TokenError("account_locked", lockout_message(), status=403)
        raise token_error("invalid_credentials")
    if user.email_verified_at is None:  # as on the web: no sign-in before the address is verified
        raise TokenError("email_unverified", EMAIL_UNVERIFIED_MESSAGE, status=403)
    return user


def _mfa_code_valid(*, user: User, code: str, tenant: Any) -> bool:
    factors = {a.type: a for a in Authenticator.objects.filter(user=user)}
    totp = factors.get(Authenticator.Type.TOTP)
    if totp is not None and TOTP(totp).validate_code(code):
        totp.record_usage()
        return True
    recovery = factors.get(Authenticator.Type.RECOVERY_CODES)
    if recovery is not None and RecoveryCodes(recovery).validate_code(code):
        recovery.record_usage()
        auth_event_record(kind=AuthEvent.Kind.MFA_RECOVERY_CODE_USED, user=user, tenant=tenant)
        return True
    return False


def _mfa_check(*, user: User, code: str, tenant: Any, otp_channel: str = "") -> None:
    """Users with a second factor must send a TOTP code, an unused recovery code, or the latest code
    sent by email or SMS where the tenant's policy allows those (WebAuthn cannot be done here).
    `otp_channel` without `otp` sends such a code and answers 401 `mfa_code_sent`."""
    code_factors = otp_factors_usable(user=user, tenant=tenant)
    has_authenticator = Authenticator.objects.filter(user=user).exists()
    if not code_factors and not has_authenticator:
        return
    if otp_channel and not code:
        raise _otp_send(user=user, channel=otp_channel, tenant=tenant)
    if not code:
        raise token_error("mfa_required")
    if code_factors and (not has_authenticator or otp_code_waiting(user=user)):
        try:
            otp_code_verify(user=user, code=code.strip(), tenant=tenant)
            return
        except OtpError as exc:
            if not has_authenticator or exc.code in ("otp_expired", "otp_attempts_exceeded"):
                raise TokenError(exc.code, exc.message) from None
    if not _mfa_code_valid(user=user, code=code.strip(), tenant=tenant):
        auth_event_record(kind=AuthEvent.Kind.MFA_FAILED, user=user, tenant=tenant, detail={"via": "api_token"})
        raise token_error("mfa_invalid")


def _otp_send(*, user: User, channel: str, tenant: Any) -> TokenError:
    """Send a sign-in code for the token request; the answer to return (401 sent, 429 rate limited...)."""
    try:
        sent = otp_code_send(user=user, channel=channel, tenant=tenant)
    except OtpError as exc:
        status = {"otp_rate_limited": 429, "otp_send_failed": 503}.get(exc.code, 400)
        return TokenError(exc.code, exc.message, status=status, retry_after=exc.retry_after)
    message = (
        f"A code was sent to {sent.destination}. Send the same request again with it as “otp” "
        f"within {code_ttl_minutes()} minutes."
    )
    return TokenError("mfa_code_sent", message)


def membership_check(*, user: User, tenant: Any) -> Membership:
    membership = membership_for(user=user, tenant=tenant)
    if membership is None or not membership.is_active:
        status = membership.status if membership else None
        raise TokenError(REFUSAL_CODES[status], REFUSALS[status], status=403)
    return membership


def token_obtain(
    *,
    email: str,
    password: str,
    otp: str = "",
    otp_channel: str = "",
    tenant: Any,
    device_name: str = "",
    meta: dict[str, Any] | None = None,
) -> TokenPair:
    """Sign a member in to this tenant's API: password, second factor when enrolled (`otp_channel`: send
    a code by email or SMS first), active membership, the security policy, then the sign-in's risk
    (apps/security/risk_flow.py; `meta`: the request's headers, for the device fingerprint)."""
    user = _credentials_check(email=email, password=password, tenant=tenant)
    _mfa_check(user=user, code=otp, tenant=tenant, otp_channel=otp_channel)
    try:
        membership_check(user=user, tenant=tenant)
    except TokenError as exc:
        _login_failed(email=email, user=user, tenant=tenant, reason=exc.code)
        raise
    # The tenant's security policy (allowed login methods, IP allow-list) applies to API sign-in too.
    # Hook "tokens.login_refusal": `fn(*, user, tenant, ip_address) -> refusal | None`, a refusal having
    # `code` and `message` (apps.policy declares it in its contributions.py).
    refusal = None
    for check in hooks.all("tokens.login_refusal"):
        refusal = refusal or check(user=user, tenant=tenant, ip_address=get_client()[0])
    if refusal is not None:
        _login_failed(email=email, user=user, tenant=tenant, reason=refusal.code)
        raise TokenError(refusal.code, refusal.message, status=403)
    ip_address, user_agent = get_client()
    checked = api_sign_in_check(
        user=user, tenant=tenant, ip_address=ip_address, meta=meta or {"HTTP_USER_AGENT": user_agent}
    )
    if checked.refusal_code:  # recorded (with the score) and told to the person by the check
        raise TokenError(checked.refusal_code, checked.message, status=403)
    return token_pair_issue(user=user, tenant=tenant, device_name=device_name, risk=checked.risk)


@transaction.atomic
def token_pair_issue(*, user: User, tenant: Any, device_name: str = "", risk: SignInRisk | None = None) -> TokenPair:
    """Open a new family (one device) with its first refresh token and an access token. `risk`: the
    sign-in's assessment, recorded on the token_issued event (a token issued to a signed-in session has none)."""
    family = RefreshTokenFamily(
        user=user, tenant=tenant, device_name=device_name[:120], refresh_token_version=user.refresh_token_version
    )
    family._history_user = user  # type: ignore[attr-defined]
    family.full_clean()
    family.save()
    pair, _ = _pair(user=user, family=family, now=timezone.now())
    detail = {"family": str(family.pk), "device": family.device_name}
    risk_fields = risk.event_fields() if risk is not None else None
    event = auth_event_record(
        kind=AuthEvent.Kind.TOKEN_ISSUED, user=user, tenant=tenant, detail=detail, risk_fields=risk_fields
    )
    if risk is not None:
        api_sign_in_completed(user=user, tenant=tenant, risk=risk, event=event)
    return pair


# --- Rotation -----------------------------------------------------------------------------------


def token_refresh(*, raw_refresh: str, tenant: Any) -> TokenPair:
    """Exchange a refresh token for a new pair. Reusing a rotated token revokes its whole family;
    that revocation is committed even though the caller gets an error."""
    outcome = _token_refresh(raw_refresh=raw_refresh, tenant=tenant)
    if isinstance(outcome, TokenError):
        raise outcome
    return outcome


def _family_locked_for(raw_refresh: str) -> tuple[RefreshTokenFamily, RefreshToken] | None:
    # Lock the family first, then the token: every write on a family's tokens takes the family
    # lock, so two concurrent refreshes of one family are serialised and cannot deadlock.
    family_id = RefreshToken.objects.filter(token_hash=refresh_token_hash(raw_refresh)).values("family_id").first()
    if family_id is None:
        return None
    family = (
        RefreshTokenFamily.objects.select_for_update().select_related("user", "tenant").get(pk=family_id["family_id"])
    )
    token = RefreshToken.objects.select_for_update().get(token_hash=refresh_token_hash(raw_refresh))
    return family, token


@transaction.atomic
def _token_refresh(*, raw_refresh: str, tenant: Any) -> TokenPair | TokenError:
    found = _family_locked_for(raw_refresh)
    if found is None:
        return token_error("refresh_token_invalid")
    family, token = found
    now = timezone.now()
    refusal = _refresh_refusal(family=family, token=token, tenant=tenant, now=now)
    if refusal is not None:
        return refusal
    pair, successor = _pair(user=family.user, family=family, now=now)
    token.rotated_at, token.replaced_by = now, successor
    token.save(update_fields=["rotated_at", "replaced_by"])
    # A usage stamp, not a change of the sign-in: no history row every 15 minutes per device.
    RefreshTokenFamily.objects.filter(pk=family.pk).update(last_refreshed_at=now)
    return pair


def _refresh_refusal(
    *, family: RefreshTokenFamily, token: RefreshToken, tenant: Any, now: datetime
) -> TokenError | None:
    user = family.user
    if family.tenant_id != tenant.pk:
        return token_error("token_wrong_tenant")
    if family.is_revoked or token.revoked_at is not None:
        return token_error("refresh_token_revoked")
    if token.rotated_at is not None:
        _family_reuse_detected(family=family, token=token, now=now)
        return token_error("refresh_token_reused")
    if family.refresh_token_version != user.refresh_token_version or not user.is_active:
        return token_error("refresh_token_revoked")
    if token.expires_at <= now:
        return token_error("refresh_token_expired")
    try:
        membership_check(user=user, tenant=tenant)
    except TokenError as exc:
        return exc
    return None


def _family_reuse_detected(*, family: RefreshTokenFamily, token: RefreshToken, now: datetime) -> None:
    _family_revoke(family=family, reason=RefreshTokenFamily.RevokeReason.REUSE_DETECTED, acting_user=None, now=now)
    auth_event_record(
        kind=AuthEvent.Kind.REFRESH_TOKEN_REUSED, user=family.user, tenant=family.tenant,
        detail={"family": str(family.pk), "token_prefix": token.prefix, "rotated_at": str(token.rotated_at)},
    )  # fmt: skip


# --- Revocation ---------------------------------------------------------------------------------


def _family_revoke(*, family: RefreshTokenFamily, reason: str, acting_user: Any, now: datetime) -> None:
    family.revoked_at, family.revoke_reason = now, reason
    family._history_user = acting_user  # type: ignore[attr-defined]
    family.full_clean()
    family.save(update_fields=["revoked_at", "revoke_reason"])
    RefreshToken.objects.filter(family=family, revoked_at__isnull=True).update(revoked_at=now)


@transaction.atomic
def token_family_revoke_by_refresh(*, raw_refresh: str, tenant: Any) -> RefreshTokenFamily:
    """Sign one device out: revoke the family of this refresh token (idempotent)."""
    found = _family_locked_for(raw_refresh)
    if found is None:
        raise token_error("refresh_token_invalid")
    family, _ = found
    if family.tenant_id != tenant.pk:
        raise token_error("token_wrong_tenant")
    return token_family_revoke(
        family=family, reason=RefreshTokenFamily.RevokeReason.SIGNED_OUT, acting_user=family.user
    )


@transaction.atomic
def token_family_revoke(*, family: RefreshTokenFamily, reason: str, acting_user: Any) -> RefreshTokenFamily:
    family = RefreshTokenFamily.objects.select_for_update().select_related("user", "tenant").get(pk=family.pk)
    if family.is_revoked:
        return family
    _family_revoke(family=family, reason=reason, acting_user=acting_user, now=timezone.now())
    auth_event_record(
        kind=AuthEvent.Kind.TOKEN_REVOKED, user=family.user, tenant=family.tenant,
        detail={"family": str(family.pk), "reason": reason},
    )  # fmt: skip
    return family


@transaction.atomic
def user_tokens_revoke_all(
    *, user: User, acting_user: Any, reason: str = RefreshTokenFamily.RevokeReason.REVOKED_ALL
) -> int:
    """Sign the user out of the API everywhere: bump both token versions (every access token is
    refused at once) and revoke every open family (with `reason`). Returns how many were revoked."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.access_token_version += 1
    user.refresh_token_version += 1
    user._history_user = acting_user  # type: ignore[attr-defined]
    user.full_clean()
    user.save(update_fields=["access_token_version", "refresh_token_version", "updated_at"])
    now = timezone.now()
    families = list(
        RefreshTokenFamily.objects.select_for_update().filter(user=user, revoked_at__isnull=True).order_by("pk")
    )
    for family in families:
        _family_revoke(family=family, reason=reason, acting_user=acting_user, now=now)
    detail = {"scope": "all", "families": len(families), "reason": reason}
    auth_event_record(kind=AuthEvent.Kind.TOKEN_REVOKED, user=user, detail=detail)
    audit_record(
        action="user.api_tokens_revoked", acting_user=acting_user, target=user,
        after={"access_token_version": user.access_token_version, "families_revoked": len(families)},
    )  # fmt: skip
    return len(families)
