import ipaddress
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.password_history import password_history_record
from apps.audit import writes
from apps.audit.services import audit_record
from apps.core import hooks
from apps.core.correlation import get_client, get_correlation_id
from apps.core.events import publish

from .context import current_tenant
from .devices import device_from_user_agent
from .models import AuthEvent, UserSession
from .payloads import password_changed_payload
from .selectors import public_cache, unknown_email_cache_key, user_for_login


def auth_event_record(
    *,
    kind: str,
    user: Any = None,
    email: str = "",
    tenant: Any = None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
    user_agent: str | None = None,
    risk_fields: dict[str, Any] | None = None,
) -> AuthEvent:
    """Record one authentication event. IP, user agent and correlation id default to the current request's.
    `risk_fields`: the sign-in's risk columns (apps/security/risk.py `SignInRisk.event_fields()`)."""
    client_ip, client_agent = get_client()
    is_user = user is not None and getattr(user, "pk", None) is not None
    return AuthEvent.objects.create(
        kind=kind,
        user_id=user.pk if is_user else None,
        email=(email or (user.email if is_user else "")).lower()[:254],
        tenant_id=getattr(tenant, "pk", None),
        ip_address=ip_address if ip_address is not None else client_ip,
        user_agent=(user_agent if user_agent is not None else client_agent)[:512],
        correlation_id=get_correlation_id(),
        detail=detail or {},
        **(risk_fields or {}),
    )


# --- Lockout -------------------------------------------------------------------------------------
# The counter for an email that belongs to no account lives this long in the cache.
UNKNOWN_EMAIL_COUNTER_SECONDS = 24 * 60 * 60


def lockout_message() -> str:
    """The one refusal for a locked sign-in: the same words whether or not the email has an account."""
    return f"Too many failed sign-in attempts. This account is locked for {settings.LOCKOUT_MINUTES} minutes."


def login_refused_while_locked(*, email: str) -> None:
    """Record a sign-in refused because the email is locked (nothing else changes)."""
    user = user_for_login(email=email)
    auth_event_record(
        kind=AuthEvent.Kind.LOGIN_FAILED, user=user, email=email, tenant=current_tenant(), detail={"reason": "locked"}
    )


@transaction.atomic
def login_failure_register(*, email: str) -> bool:
    """Count one failed sign-in for the email typed; returns True when this failure locked it.

    Known accounts count on the user row; other emails count in the cache, so that the answer after
    too many failures is the same and does not tell whether the email has an account.
    """
    user = User.objects.select_for_update().filter(email__iexact=email.strip()).first()
    if user is None:
        return _unknown_email_failure_register(email)
    if user.locked_until is not None and not user.is_locked:
        _lock_clear(user, acting_user=None)  # an expired lock: counting starts again
    attempts = user.failed_login_attempts + 1
    auth_event_record(
        kind=AuthEvent.Kind.LOGIN_FAILED, user=user, tenant=current_tenant(), detail={"attempts": attempts}
    )
    if attempts < settings.LOCKOUT_MAX_FAILED_ATTEMPTS:
        # A plain counter update: no history row for every mistyped password.
        User.objects.filter(pk=user.pk).update(failed_login_attempts=attempts)
        return False
    _user_lock(user, attempts)
    return True


def _unknown_email_failure_register(email: str) -> bool:
    tenant = current_tenant()
    auth_event_record(kind=AuthEvent.Kind.LOGIN_FAILED, email=email, tenant=tenant, detail={"known": False})
    counter = unknown_email_cache_key(email, "failures")
    with public_cache():
        cache.add(counter, 0, timeout=UNKNOWN_EMAIL_COUNTER_SECONDS)
        attempts = cache.incr(counter)
        if attempts < settings.LOCKOUT_MAX_FAILED_ATTEMPTS:
            return False
        cache.set(unknown_email_cache_key(email, "locked"), 1, timeout=settings.LOCKOUT_MINUTES * 60)
        cache.delete(counter)
    auth_event_record(
        kind=AuthEvent.Kind.LOCKED_OUT, email=email, tenant=tenant, detail={"attempts": attempts, "known": False}
    )
    return True


def _user_lock(user: User, attempts: int) -> None:
    user.failed_login_attempts = attempts
    user.locked_until = timezone.now() + timedelta(minutes=settings.LOCKOUT_MINUTES)
    user.locked_reason = f"{attempts} failed sign-in attempts"
    if user.status == User.Status.ACTIVE:
        user.status = User.Status.LOCKED
    writes.save(user, acting_user=None)
    auth_event_record(
        kind=AuthEvent.Kind.LOCKED_OUT,
        user=user,
        tenant=current_tenant(),
        detail={"attempts": attempts, "locked_until": user.locked_until.isoformat()},
    )
    audit_record(
        action="user.locked", acting_user=None, target=user,
        after={"locked_until": user.locked_until, "reason": user.locked_reason},
    )  # fmt: skip


def _lock_clear(user: User, acting_user: Any) -> None:
    user.failed_login_attempts, user.locked_until, user.locked_reason = 0, None, ""
    if user.status == User.Status.LOCKED:
        user.status = User.Status.ACTIVE
    writes.save(user, acting_user=acting_user)


@transaction.atomic
def user_login_succeeded(*, user: User, ip_address: str | None, risk_fields: dict[str, Any] | None = None) -> AuthEvent:
    """A completed sign-in (after any MFA step): reset the failure counter, clear an expired lock."""
    user = writes.locked(user)
    if user.locked_until is not None and not user.is_locked:
        _lock_clear(user, acting_user=None)
    User.objects.filter(pk=user.pk).update(failed_login_attempts=0, last_login_ip=_valid_ip(ip_address))
    return auth_event_record(
        kind=AuthEvent.Kind.LOGIN_SUCCEEDED, user=user, tenant=current_tenant(), risk_fields=risk_fields
    )


@transaction.atomic
def user_unlock(*, user: User, acting_user: Any) -> User:
    """Lift a lockout now (staff), and reset the failure counter."""
    user = writes.locked(user)
    if user.locked_until is None and user.failed_login_attempts == 0 and user.status != User.Status.LOCKED:
        raise ValidationError(f"{user.email} is not locked.", code="not_locked")
    before = {"locked_until": user.locked_until, "failed_login_attempts": user.failed_login_attempts}
    _lock_clear(user, acting_user=acting_user)
    auth_event_record(kind=AuthEvent.Kind.UNLOCKED, user=user, detail={"by": _actor_code(acting_user)})
    audit_record(
        action="user.unlocked", acting_user=acting_user, target=user,
        before=before, after={"locked_until": None, "failed_login_attempts": 0},
    )  # fmt: skip
    return user


# --- Tracked web sessions ------------------------------------------------------------------------
# Where the tracked session's id, key and last write are kept in the Django session (middleware.py).
SESSION_TRACKING_KEY = "security.user_session"


def _session_store(session_key: str) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=session_key)


@transaction.atomic
def user_session_start(
    *, user: User, session_key: str, ip_address: str | None, user_agent: str, expires_at: datetime
) -> UserSession:
    """Track a new signed-in session (called when a person signs in)."""
    device = device_from_user_agent(user_agent)
    session = UserSession.objects.filter(session_key=session_key).first() or UserSession(session_key=session_key)
    session.user, session.device_name, session.device_type = user, device.name, device.type
    session.user_agent, session.ip_address, session.expires_at = user_agent[:512], _valid_ip(ip_address), expires_at
    # A reused key (never expected: Django makes a new one at sign-in) starts a fresh record.
    session.created_at = session.last_seen_at = timezone.now()
    session.revoked_at, session.revoked_by, session.end_reason = None, None, ""
    session.full_clean()
    session.save()
    # A sign-in from a new device or place is told to the person by risk-based sign-in (apps/security/risk.py).
    return session


def user_session_seen(*, user_session_id: int, session_key: str, expires_at: datetime) -> bool:
    """Move last seen (and the key, which Django rotates on password change); False if it has ended."""
    updated = UserSession.objects.filter(pk=user_session_id, revoked_at__isnull=True).update(
        session_key=session_key, last_seen_at=timezone.now(), expires_at=expires_at
    )
    return bool(updated)


@transaction.atomic
def user_session_signed_out(*, user: Any, session_key: str | None) -> None:
    """The person signed out of this session themselves."""
    if session_key:
        UserSession.objects.filter(session_key=session_key, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=user, end_reason=UserSession.EndReason.SIGNED_OUT
        )
    auth_event_record(kind=AuthEvent.Kind.LOGGED_OUT, user=user, tenant=current_tenant())


def _session_end(session: UserSession, acting_user: Any, reason: str) -> None:
    session.revoked_at, session.end_reason = timezone.now(), reason
    session.revoked_by = writes.history_user(acting_user)
    session.full_clean()
    session.save(update_fields=["revoked_at", "revoked_by", "end_reason"])
    # Deleting Django's session signs that browser out on its next request.
    _session_store(session.session_key).delete()


@transaction.atomic
def user_session_revoke(*, user_session: UserSession, acting_user: Any) -> UserSession:
    """End one session: the browser using it is signed out."""
    session = writes.locked(user_session, "user")
    if session.revoked_at is not None:
        raise ValidationError("This session has already ended.", code="session_ended")
    _session_end(session, acting_user, UserSession.EndReason.REVOKED)
    auth_event_record(
        kind=AuthEvent.Kind.SESSION_REVOKED, user=session.user, tenant=current_tenant(),
        detail={"session": session.pk, "device": session.device_name, "by": _actor_code(acting_user)},
    )  # fmt: skip
    audit_record(
        action="user_session.revoked", acting_user=acting_user, target=session,
        after={"user": session.user.code, "device": session.device_name, "ip_address": session.ip_address},
    )  # fmt: skip
    return session


@transaction.atomic
def user_logout_everywhere(*, user: User, acting_user: Any) -> int:
    """End every session of the user and invalidate every API token (by bumping both token versions).

    Returns how many sessions were ended.
    """
    user = writes.locked(user)
    password_history_record(user=user)  # the new password's hash (policies may forbid reusing it later)
    sessions = list(UserSession.objects.select_for_update().filter(user=user, revoked_at__isnull=True).order_by("pk"))
    for session in sessions:
        _session_end(session, acting_user, UserSession.EndReason.LOGGED_OUT_EVERYWHERE)
    before = {"access_token_version": user.access_token_version, "refresh_token_version": user.refresh_token_version}
    user.access_token_version += 1
    user.refresh_token_version += 1
    writes.save(user, acting_user=acting_user)
    auth_event_record(
        kind=AuthEvent.Kind.LOGGED_OUT_EVERYWHERE, user=user, tenant=current_tenant(),
        detail={"sessions": len(sessions), "by": _actor_code(acting_user)},
    )  # fmt: skip
    audit_record(
        action="user.logged_out_everywhere", acting_user=acting_user, target=user, before=before,
        after={"access_token_version": user.access_token_version,
               "refresh_token_version": user.refresh_token_version, "sessions_ended": len(sessions)},
    )  # fmt: skip
    return len(sessions)


class PasswordChange:
    """How a person's password changed (the `how` of `user_password_changed`)."""

    CHANGED = "changed"  # by the person, knowing the old one (allauth's password change)
    SET = "set"  # a first password (allauth's password set)
    RESET = "reset"  # through the emailed reset link
    SET_BY_STAFF = "set_by_staff"  # the staff admin's "change password" form

    KINDS: ClassVar[dict[str, str]] = {
        CHANGED: AuthEvent.Kind.PASSWORD_CHANGED,
        SET: AuthEvent.Kind.PASSWORD_CHANGED,
        RESET: AuthEvent.Kind.PASSWORD_RESET,
        SET_BY_STAFF: AuthEvent.Kind.PASSWORD_CHANGED,
    }


@transaction.atomic
def user_password_changed(*, user: User, how: str, acting_user: Any) -> int:
    """After a password change, reset or staff set: end every web session of the person (tracked
    row revoked and Django's session deleted), every API access token and refresh family (hook
    "security.user_credentials_changed": `fn(*, user, acting_user) -> int`, answered by apps.tokens,
    which bumps both token versions and revokes the families), with an auth event and an audit event.

    The browser that changed its own password is given a fresh tracked session by the caller
    (signals.py), so it stays signed in. Returns how many web sessions were ended.
    """
    if how not in PasswordChange.KINDS:
        raise ValueError(f"Unknown password change {how!r}.")
    user = writes.locked(user)
    sessions = list(UserSession.objects.select_for_update().filter(user=user, revoked_at__isnull=True).order_by("pk"))
    for session in sessions:
        _session_end(session, acting_user, UserSession.EndReason.PASSWORD_CHANGED)
    revokers = hooks.all("security.user_credentials_changed")
    families = sum(revoke(user=user, acting_user=acting_user) for revoke in revokers)
    if not revokers:  # no token app installed: the versions alone still refuse every token
        user.access_token_version += 1
        user.refresh_token_version += 1
        writes.save(user, acting_user=acting_user)
    detail = {"how": how, "sessions_ended": len(sessions), "token_families_revoked": families}
    if how == PasswordChange.SET_BY_STAFF:
        detail["by"] = _actor_code(acting_user)
    if how == PasswordChange.SET:
        detail["first_password"] = True
    tenant = current_tenant()
    event = auth_event_record(kind=PasswordChange.KINDS[how], user=user, tenant=tenant, detail=detail)
    audit_record(action=f"user.password_{how}", acting_user=acting_user, target=user, after=detail)
    payload = password_changed_payload(user, how=how, event_id=event.pk, at=event.created_at)
    publish("security.password_changed", payload, tenant=tenant)  # the person is told, after commit
    return len(sessions)


# --- Profile -------------------------------------------------------------------------------------

PROFILE_FIELDS = ("full_name", "role_title", "time_zone", "profile_picture_url")


@transaction.atomic
def user_profile_update(*, user: User, acting_user: Any, **changes: str) -> User:
    """Change the person's own profile (name, role title, time zone, picture URL)."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(f"Not a profile field: {', '.join(sorted(unknown))}.", code="invalid_field")
    user = writes.locked(user)
    before = writes.snapshot(user, changes)
    for name, value in changes.items():
        setattr(user, name, value.strip())
    user.updated_by = writes.history_user(acting_user)
    writes.save(user, acting_user=acting_user)
    after = writes.snapshot(user, changes)
    if before != after:
        audit_record(action="user.profile_updated", acting_user=acting_user, target=user, before=before, after=after)
    return user


# --- Helpers -------------------------------------------------------------------------------------


def _valid_ip(value: str | None) -> str | None:
    # REMOTE_ADDR can be empty or a socket path behind some servers; never fail a sign-in over it.
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None


def _actor_code(acting_user: Any) -> str:
    return getattr(acting_user, "code", "") or "system"
