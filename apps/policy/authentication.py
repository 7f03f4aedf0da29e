"""API access tokens under the security policy (called by apps.tokens.authentication.AccessTokenAuthentication).

Bearer requests are authenticated inside the view, after the middleware has run, so the policy's
per-request rules are applied here for them: the IP allow-list, the "api_token" sign-in method and
password expiry (403 with code `ip_not_allowed`, `login_method_not_allowed`, `password_expired`).
Session timeouts do not apply: access tokens last minutes, and refreshing needs an allowed sign-in.
"""

from typing import Any

from django_tenants.utils import get_public_schema_name
from rest_framework import exceptions
from rest_framework.request import Request

from .enforcement import PASSWORD_EXPIRED, Refusal, login_refusal, password_expired
from .models import LoginMethod
from .selectors import policy_effective_for_user


def _denied(refusal: Refusal) -> exceptions.PermissionDenied:
    return exceptions.PermissionDenied({"detail": refusal.message, "code": refusal.code})


def access_token_policy_check(request: Request, user: Any) -> None:
    """Refuse a bearer request the tenant's security policy does not allow (PermissionDenied)."""
    tenant = getattr(request, "tenant", None)
    refusal = login_refusal(
        user=user, tenant=tenant, method=LoginMethod.API_TOKEN, ip_address=request.META.get("REMOTE_ADDR")
    )
    if refusal is not None:
        raise _denied(refusal)
    if (
        tenant is not None
        and tenant.schema_name != get_public_schema_name()
        and password_expired(policy_effective_for_user(user, tenant=tenant), user)
    ):
        raise _denied(PASSWORD_EXPIRED)
