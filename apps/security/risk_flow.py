"""Risk-based sign-in at the two doors: allauth's web sign-in (portal and admin, through the adapter in
adapters.py) and the API token sign-in (apps.tokens.services). The scoring itself is in risk.py.

Web: after the password (allauth's pre_login, after the security policy's own checks) the sign-in is
scored. Above the refuse score it is refused; above the step-up score it needs a second factor: allauth
asks for it whenever the person has one (TOTP, security key, or an email/SMS code factor the domain
allows; "trust this browser" is off), so a person with a factor goes on to that step. A person without
any factor is asked for a code sent to their verified email address instead (setting
SIGNIN_RISK_EMAIL_STEP_UP; the same code page, apps/security/otp_views.py), and is refused with how to
proceed only when they have no verified address or the setting is off. The
assessment waits in the session until the sign-in completes (after any second factor), when the auth
event is written with it, the device and country become known, and the person is told when it came
from somewhere new. The browser gets a device cookie (random, HttpOnly) that is part of its fingerprint,
so a new browser profile is a new device even with the same headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.internal.stagekit import clear_login
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .context import current_tenant
from .models import AuthEvent
from .otp_selectors import otp_factors_usable
from .risk import (
    Outcome,
    SignInRisk,
    device_id_new,
    device_id_valid,
    outcome_message,
    sign_in_outcome,
    sign_in_refused_notify,
    sign_in_remember,
    sign_in_risk_assess,
    sign_in_thresholds,
)
from .selectors import strong_factors_for
from .services import auth_event_record, user_login_succeeded

SESSION_KEY = "security.sign_in_risk"
REFUSAL_CODES = {Outcome.REFUSE: "sign_in_refused_risk", Outcome.STEP_UP_UNAVAILABLE: "mfa_step_up_unavailable"}


def _refused_record(
    *, user: Any, risk: SignInRisk, tenant: Any, outcome: str, thresholds: tuple[int, int], **detail: Any
) -> None:
    detail.update(reason=REFUSAL_CODES[outcome], step_up_score=thresholds[0], refuse_score=thresholds[1])
    event = auth_event_record(
        kind=AuthEvent.Kind.LOGIN_FAILED, user=user, tenant=tenant, risk_fields=risk.event_fields(), detail=detail
    )
    sign_in_refused_notify(user=user, risk=risk, tenant=tenant, event=event)


# --- Web (allauth) -------------------------------------------------------------------------------


def _device_id(request: HttpRequest) -> str:
    return device_id_valid(request.COOKIES.get(settings.SIGNIN_RISK_DEVICE_COOKIE)) or device_id_new()


def web_sign_in_check(request: HttpRequest, user: Any) -> HttpResponse | None:
    """For the adapter's pre_login: score the sign-in; the redirect back to the sign-in page with the
    reason when it is refused, else None (the assessment waits in the session)."""
    tenant = current_tenant(request)
    device_id = _device_id(request)
    risk = sign_in_risk_assess(
        user=user, ip_address=request.META.get("REMOTE_ADDR"), meta=request.META, device_id=device_id
    )
    thresholds = sign_in_thresholds(user=user, tenant=tenant)
    # A confirmed email/SMS code factor this domain allows counts too: allauth's MFA step offers it
    # (adapters.MFAAdapter.is_mfa_enabled, otp_views.CodeAuthenticateForm).
    has_factor = strong_factors_for(user=user).exists() or bool(otp_factors_usable(user=user, tenant=tenant))
    outcome = sign_in_outcome(risk, step_up=thresholds[0], refuse=thresholds[1], has_factor=has_factor)
    email_step_up = outcome == Outcome.STEP_UP_UNAVAILABLE and _email_step_up_possible(user)
    if email_step_up:
        outcome = Outcome.STEP_UP  # a code to the verified address is the second factor of this sign-in
    if outcome in REFUSAL_CODES:
        _refused_record(user=user, risk=risk, tenant=tenant, outcome=outcome, thresholds=thresholds)
        clear_login(request)
        messages.error(request, outcome_message(outcome, tenant=tenant))
        return redirect("account_login")
    request.session[SESSION_KEY] = {
        **risk.to_session(), "outcome": outcome, "device_id": device_id,
        "email_step_up": email_step_up, "user_id": str(user.pk),
    }  # fmt: skip
    return None


def _email_step_up_possible(user: Any) -> bool:
    """A person without any factor may confirm a risky sign-in with a code sent to their verified
    email address (what they already proved they own), unless the setting turns that off."""
    # User.email_verified_at is the one truth of a verified address (docs/identity.md): no query.
    enabled = getattr(settings, "SIGNIN_RISK_EMAIL_STEP_UP", True)
    return bool(enabled and user.email and getattr(user, "email_verified_at", None))


def email_step_up_pending(request: HttpRequest | None, user: Any) -> bool:
    """Whether the sign-in waiting at its second-factor step is this person's risky sign-in without a
    factor of their own, to be confirmed with an email code (MFAAdapter, otp_views)."""
    session = getattr(request, "session", None)
    stored = session.get(SESSION_KEY) if session is not None else None
    return bool(stored and stored.get("email_step_up") and stored.get("user_id") == str(getattr(user, "pk", "")))


def web_sign_in_completed(request: HttpRequest, user: Any) -> AuthEvent:
    """For the adapter's login (the whole sign-in succeeded): the auth event with the assessment made
    at the password step (or made now, for a sign-in that skipped it: a verified-email auto sign-in)."""
    stored = request.session.pop(SESSION_KEY, None) or {}
    risk = SignInRisk.from_session(stored)
    device_id = device_id_valid(stored.get("device_id")) or _device_id(request)
    if risk is None:
        meta, ip = request.META, request.META.get("REMOTE_ADDR")
        risk = sign_in_risk_assess(user=user, ip_address=ip, meta=meta, device_id=device_id)
    event = user_login_succeeded(user=user, ip_address=request.META.get("REMOTE_ADDR"), risk_fields=risk.event_fields())
    sign_in_remember(user=user, risk=risk, tenant=current_tenant(request), event=event)
    request.sign_in_device_id = device_id  # type: ignore[attr-defined]  # set as a cookie by post_login
    return event


def device_cookie_set(request: HttpRequest, response: HttpResponse | None) -> None:
    """For the adapter's post_login: the browser keeps its device id (part of its fingerprint)."""
    device_id = getattr(request, "sign_in_device_id", "")
    name = settings.SIGNIN_RISK_DEVICE_COOKIE
    if response is None or not device_id or request.COOKIES.get(name) == device_id:
        return
    response.set_cookie(
        name, device_id, max_age=settings.SIGNIN_RISK_DEVICE_COOKIE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
    )  # fmt: skip


# --- API token sign-in ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiSignInRisk:
    risk: SignInRisk
    refusal_code: str = ""  # "": may go on
    message: str = ""


def api_sign_in_check(*, user: Any, tenant: Any, ip_address: str | None, meta: dict[str, Any]) -> ApiSignInRisk:
    """For apps.tokens' sign-in (after the password and any code): score it and say whether it is
    refused. A person with any factor has just given a code (tokens asks for one whenever a factor
    exists), so step-up is already met; a person without one is refused above the step-up score."""
    risk = sign_in_risk_assess(user=user, ip_address=ip_address, meta=meta)
    thresholds = sign_in_thresholds(user=user, tenant=tenant)
    # tokens' _mfa_check asked for a code of anyone with an authenticator or an allowed email/SMS code factor.
    has_factor = Authenticator.objects.filter(user=user).exists() or bool(otp_factors_usable(user=user, tenant=tenant))
    outcome = sign_in_outcome(risk, step_up=thresholds[0], refuse=thresholds[1], has_factor=has_factor)
    if outcome not in REFUSAL_CODES:
        return ApiSignInRisk(risk)
    _refused_record(user=user, risk=risk, tenant=tenant, outcome=outcome, thresholds=thresholds, via="api_token")
    return ApiSignInRisk(risk, REFUSAL_CODES[outcome], outcome_message(outcome, tenant=tenant))


def api_sign_in_completed(*, user: Any, tenant: Any, risk: SignInRisk, event: AuthEvent) -> None:
    sign_in_remember(user=user, risk=risk, tenant=tenant, event=event)
