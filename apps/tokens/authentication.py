"""DRF authentication with a user's access token: `Authorization: Bearer <access token>`."""

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from apps.accounts.models import Membership, User
from apps.core import hooks

from .access_tokens import AccessClaims, access_token_read
from .errors import TokenError, token_error

API_KEY_MARKER = "nf_"


def auth_failed(code: str, message: str) -> exceptions.AuthenticationFailed:
    # A dict detail becomes the JSON body as is, so `code` is there whichever exception handler runs.
    return exceptions.AuthenticationFailed({"detail": message, "code": code})


def authorization_credentials(request: Request, scheme: str) -> str | None:
    """The credentials of an `Authorization: <scheme> <credentials>` header; None for no header or
    another scheme (another authentication class may own it); 401 when the header is malformed."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if not parts or parts[0].lower() != scheme.lower():
        return None
    if len(parts) != 2:
        raise auth_failed(
            "authorization_malformed",
            f"The Authorization header must be “{scheme} <credentials>”, with nothing else in it.",
        )
    return parts[1]


class AccessTokenAuthentication(BaseAuthentication):
    """A user's access token, valid only on the tenant it was issued for and only while the user's
    access_token_version is unchanged. request.auth is the token's AccessClaims."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, AccessClaims] | None:
        raw = authorization_credentials(request, self.keyword)
        if raw is None:
            return None
        if raw.startswith(API_KEY_MARKER):
            raise auth_failed("token_invalid", "This is an API key: send it as “Authorization: Api-Key <key>”.")
        try:
            claims = access_token_read(raw)
            user = self._user_for(claims, request=request)
        except TokenError as exc:
            raise auth_failed(exc.code, exc.message) from exc
        # The tenant's security policy (IP allow-list, allowed sign-in methods, password expiry) applies
        # to every bearer request: these are authenticated inside the view, after the middleware ran.
        # Hook "tokens.bearer_request_check": `fn(request, user)`, raises PermissionDenied (apps.policy).
        for check in hooks.all("tokens.bearer_request_check"):
            check(request, user)
        return user, claims

    def _user_for(self, claims: AccessClaims, *, request: Request) -> User:
        tenant = getattr(request, "tenant", None)
        if tenant is None or claims.tenant_id != str(tenant.pk):
            raise token_error("token_wrong_tenant")
        # The person with their membership of this tenant in one query; the membership is kept on the
        # request, so the view's access check asks none (apps.accounts.access.tenant_membership_require).
        memberships = Membership.objects.select_related("user").filter(user_id=claims.user_id, tenant_id=tenant.pk)
        membership = memberships.order_by().first()  # one row at most: no join for the default ordering
        user = membership.user if membership is not None else User.objects.filter(pk=claims.user_id).first()
        if user is None or not user.is_active or user.access_token_version != claims.version:
            raise token_error("token_revoked")
        if membership is not None:
            membership.tenant = tenant  # the routed row: reading it asks no query
            request._request.membership = membership  # type: ignore[attr-defined]
        return user

    def authenticate_header(self, request: Request) -> str | None:
        # Only a request that tried a header gets 401 + a challenge; an anonymous browser request
        # keeps getting the 403 the session-based surfaces have always returned.
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme = "Api-Key" if header.lower().startswith("api-key") else self.keyword
        return f'{scheme} realm="api"'
