"""The security policy's answers to the hooks that security and tokens ask (apps.core.hooks).

security and tokens are platform services and never import a domain app; the policy (a domain app)
declares these as `Hook` contributions in apps/policy/contributions.py. Each hook is documented where
it is asked.
"""

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django_tenants.utils import tenant_context
from rest_framework.request import Request

from .authentication import access_token_policy_check
from .enforcement import Refusal, login_refusal, web_login_refused
from .models import LoginMethod
from .selectors import policy_effective_for_user, policy_mfa_required_anywhere


def web_login_check(request: HttpRequest, user: Any) -> HttpResponse | None:
    return web_login_refused(request, user)


def token_login_refusal(*, user: Any, tenant: Any, ip_address: str | None) -> Refusal | None:
    return login_refusal(user=user, tenant=tenant, method=LoginMethod.API_TOKEN, ip_address=ip_address)


def bearer_request_check(request: Request, user: Any) -> None:
    access_token_policy_check(request, user)


def mfa_required_anywhere(user: Any) -> bool:
    return policy_mfa_required_anywhere(user)


def mfa_required_in_tenant(user: Any, tenant: Any) -> bool:
    return bool(policy_effective_for_user(user, tenant=tenant).mfa_required.value)


def impersonation_refusal(*, user: Any, tenant: Any) -> str | None:
    """Why staff may not sign in as `user` in `tenant` (None: they may). Asked from the public schema."""
    with tenant_context(tenant):
        value = policy_effective_for_user(user, tenant=tenant, use_cache=False).allow_staff_impersonation
    if value.value:
        return None
    return (
        f"{tenant.name}'s security policy does not allow platform staff to sign in as its members "
        f"(set by {value.source_label}). The organisation's admins can allow it on their security policy page."
    )


def otp_channels_allowed(user: Any, tenant: Any) -> list[str]:
    """The one-time-code channels (email, sms) the person's effective policy allows in this tenant."""
    return list(policy_effective_for_user(user, tenant=tenant).allowed_second_factors.value)


def sign_in_risk_thresholds(*, user: Any, tenant: Any) -> tuple[int, int]:
    """The person's (step-up, refuse) sign-in risk scores in `tenant` (apps.security.risk). Asked in the
    tenant's schema (the sign-in's domain), or from any schema for an API token (tenant_context then)."""
    if getattr(connection, "schema_name", "") == tenant.schema_name:
        policy = policy_effective_for_user(user, tenant=tenant)
    else:
        with tenant_context(tenant):
            policy = policy_effective_for_user(user, tenant=tenant)
    return int(policy.risk_step_up_score.value), int(policy.risk_refuse_score.value)
