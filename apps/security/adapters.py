"""allauth adapters: the product's lockout rule on sign-in, and the MFA policy on removing factors."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from apps.accounts.password_history import password_history_record
from apps.core import hooks

from .context import current_tenant
from .otp_selectors import otp_factors_usable
from .risk_flow import device_cookie_set, email_step_up_pending, web_sign_in_check, web_sign_in_completed
from .selectors import login_is_locked, mfa_required_for, strong_factors_for
from .services import lockout_message, login_failure_register, login_refused_while_locked


def _login_email(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "").strip().lower()


class AccountAdapter(DefaultAccountAdapter):
    """Adds the account lockout (settings LOCKOUT_MAX_FAILED_ATTEMPTS / LOCKOUT_MINUTES) to sign-in.

    A locked email is refused before the password is even checked, so the right password does not
    help; an email with no account locks the same way, so the refusal never reveals which exists.
    """

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join a tenant by invitation (apps.invitations). Self-service signup of a new organisation
        # is another app's to open: hook "security.signup_open", `fn(request) -> bool` (apps.onboarding
        # answers it: the platform domain, while the `signup.open` system setting allows it). Closed otherwise.
        return bool(hooks.one("security.signup_open", default=lambda request: False)(request))

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        email = _login_email(credentials)
        if email and login_is_locked(email=email):
            login_refused_while_locked(email=email)
            raise ValidationError(lockout_message(), code="account_locked")
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        super().authentication_failed(request, **credentials)
        email = _login_email(credentials)
        if email and login_failure_register(email=email):
            raise ValidationError(lockout_message(), code="account_locked")

    def pre_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> HttpResponse | None:
        # After the password, before any second factor: the tenant's security policy may refuse this
        # sign-in method or the address it comes from. Hook "security.web_login_refused":
        # `fn(request, user) -> HttpResponse | None` (apps.policy declares it in its contributions.py).
        refused = super().pre_login(request, user, **kwargs)
        for check in hooks.all("security.web_login_refused"):
            refused = refused or check(request, user)
        # Then the sign-in's risk (apps/security/risk_flow.py): refused, or a second factor asked, above
        # the thresholds.
        return refused or web_sign_in_check(request, user)

    def set_password(self, user: AbstractBaseUser, password: str) -> None:
        # Password change, first password and reset all come here; the policy's expiry counts from it.
        # The password being replaced joins the history (the new one does in user_password_changed).
        password_history_record(user=user)
        user.last_password_change = timezone.now()  # type: ignore[attr-defined]
        super().set_password(user, password)

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        # Called once the whole sign-in (password and any MFA step) has succeeded.
        super().login(request, user)
        web_sign_in_completed(request, user)  # the scored auth event, known devices, the new-sign-in notice

    def post_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> HttpResponse:
        response = super().post_login(request, user, **kwargs)
        device_cookie_set(request, response)
        return response


class MFAAdapter(DefaultMFAAdapter):
    """Where MFA is required (staff, members of a tenant with mfa_required) the last factor stays."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Two-factor authentication is required for your account, so you cannot remove your last "
            "authenticator app or security key. Add another one first."
        ),
    }

    def is_mfa_enabled(self, user: Any, types: Any = None) -> bool:
        if super().is_mfa_enabled(user, types=types):
            return True
        # allauth's sign-in stage and challenge page ask with [TOTP, WebAuthn]: a confirmed code factor
        # (email, SMS) that this domain allows counts there too (apps/security/otp_views.py), and so
        # does a risky sign-in of a person without factors, confirmed by an email code (risk_flow.py).
        asked = set(types or ())
        if {Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN} <= asked:
            request = getattr(context, "request", None)
            return bool(otp_factors_usable(user=user, tenant=current_tenant())) or email_step_up_pending(request, user)
        return False

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return True
        user = authenticator.user
        if not mfa_required_for(user=user):
            return True
        return strong_factors_for(user=user).exclude(pk=authenticator.pk).exists()
