"""Bridges from Django's and allauth's signals to the auth-event log and session tracking.

No rules live here: each receiver hands what happened to one service.
"""

import time
from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from .context import current_tenant
from .impersonation import impersonation_end, impersonation_id_in
from .models import AuthEvent, ImpersonationSession
from .services import (
    SESSION_TRACKING_KEY,
    PasswordChange,
    auth_event_record,
    user_password_changed,
    user_session_signed_out,
    user_session_start,
)


def _record(kind: str, request: Any, user: Any, **detail: Any) -> None:
    auth_event_record(kind=kind, user=user, tenant=current_tenant(request), detail=detail)


@receiver(auth_signals.user_logged_in, dispatch_uid="security_track_session")
def _track_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None or not session.session_key:
        return
    tracked = user_session_start(
        user=user,
        session_key=session.session_key,
        ip_address=request.META.get("REMOTE_ADDR"),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        expires_at=session.get_expiry_date(),
    )
    # Last seen was just written: the next write is due in a minute, not on the next request.
    session[SESSION_TRACKING_KEY] = {"id": tracked.pk, "key": tracked.session_key, "seen": time.time()}


@receiver(auth_signals.user_logged_out, dispatch_uid="security_signed_out")
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        session = getattr(request, "session", None)
        user_session_signed_out(user=user, session_key=getattr(session, "session_key", None))
        # Signing out of an impersonation ends it (a no-op when it already ended).
        running_id = impersonation_id_in(session)
        running = (
            ImpersonationSession.objects.filter(pk=running_id, ended_at__isnull=True).first() if running_id else None
        )
        if running is not None:
            impersonation_end(
                session=running, end_reason=ImpersonationSession.EndReason.SIGNED_OUT, acting_user=running.staff_user
            )


@receiver(mfa_signals.authenticator_added, dispatch_uid="security_mfa_added")
def _mfa_added(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    _record(AuthEvent.Kind.MFA_ENROLLED, request, user, type=authenticator.type, authenticator=authenticator.pk)


@receiver(mfa_signals.authenticator_reset, dispatch_uid="security_mfa_reset")
def _mfa_reset(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    _record(AuthEvent.Kind.MFA_ENROLLED, request, user, type=authenticator.type, regenerated=True)


@receiver(mfa_signals.authenticator_removed, dispatch_uid="security_mfa_removed")
def _mfa_removed(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    _record(AuthEvent.Kind.MFA_REMOVED, request, user, type=authenticator.type, authenticator=authenticator.pk)


@receiver(mfa_signals.authenticator_used, dispatch_uid="security_mfa_used")
def _mfa_used(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        _record(AuthEvent.Kind.MFA_RECOVERY_CODE_USED, request, user, reauthenticated=kwargs.get("reauthenticated"))


@receiver(mfa_signals.authentication_failed, dispatch_uid="security_mfa_failed")
def _mfa_failed(sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any) -> None:
    _record(
        AuthEvent.Kind.MFA_FAILED,
        request,
        user,
        type=authenticator.type,
        reauthentication=kwargs.get("reauthentication"),
    )


def password_changed_in_request(request: Any, user: Any, how: str) -> None:
    """`user_password_changed` for a change made in this request (allauth's pages, the staff admin)."""
    user_password_changed(user=user, how=how, acting_user=request.user if request is not None else user)
    # The browser that changed its own password stays signed in, on a fresh tracked session (Django
    # already gave it a new key: update_session_auth_hash); every other session has just ended.
    if getattr(getattr(request, "user", None), "pk", None) == user.pk:
        _track_session(sender=None, request=request, user=user)


@receiver(account_signals.password_changed, dispatch_uid="security_password_changed")
def _password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    password_changed_in_request(request, user, PasswordChange.CHANGED)


@receiver(account_signals.password_set, dispatch_uid="security_password_set")
def _password_set(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    password_changed_in_request(request, user, PasswordChange.SET)


@receiver(account_signals.password_reset, dispatch_uid="security_password_reset")
def _password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # A reset signs the person out everywhere, this browser included (seed 004).
    user_password_changed(user=user, how=PasswordChange.RESET, acting_user=user)
