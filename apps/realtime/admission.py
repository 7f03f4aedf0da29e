"""Who may open a socket, and in which tenant (docs/realtime.md, "Authentication").

The tenant comes from the Host header exactly as for a page (apps.tenancy's TenantMiddleware lookup);
the person from the portal's session cookie or from a user access token (apps.tokens), and must be an
active member of that tenant (apps.accounts.access). Integrators' API keys are refused: a socket is
for people. Everything here is synchronous and runs in a worker thread (database_sync_to_async).

A refusal is a SocketRefused: the consumer sends it as an error frame and closes the socket with
its close code, 4000 + the HTTP status the same refusal has on a page (4401, 4403, 4404, 4503).
"""

from dataclasses import dataclass
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django_tenants.utils import get_public_schema_name, get_tenant_domain_model, tenant_context
from rest_framework import exceptions
from rest_framework.request import Request

from apps.accounts.access import MembershipRefused, tenant_membership_require
from apps.accounts.models import Membership
from apps.policy.enforcement import ip_refusal, password_expired
from apps.policy.middleware import session_timeout
from apps.policy.selectors import policy_effective_for_user
from apps.security.impersonation import impersonation_id_in
from apps.security.selectors import tenant_mfa_enrolment_required
from apps.tenancy.middleware import TenantMiddleware
from apps.tenancy.models import Tenant
from apps.tenancy.status_middleware import REFUSALS as TENANT_REFUSALS
from apps.tokens.authentication import API_KEY_MARKER, AccessTokenAuthentication

BEARER = "bearer"  # Sec-WebSocket-Protocol: bearer, <token>  (each ":" of the token written as "~")


class SocketRefused(Exception):
    def __init__(self, code: str, message: str, close_code: int) -> None:
        super().__init__(message)
        self.code, self.message, self.close_code = code, message, close_code


@dataclass
class Admission:
    tenant: Tenant
    user: Any  # None: admitted to the tenant, waiting for the auth frame
    method: str = ""  # "session" or "token"


def _router() -> TenantMiddleware:
    return TenantMiddleware(lambda request: HttpResponse())


def headers_of(scope: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        found[name] = f"{found[name]}; {value}" if name == "cookie" and name in found else value
    return found


def socket_tenant(scope: dict[str, Any]) -> Tenant:
    """The active tenant the Host header names; SocketRefused for any other host."""
    host, _port = split_domain_port(headers_of(scope).get("host", ""))
    unknown = SocketRefused("unknown_host", f"No NIDIA Flow organisation is served at “{host}”.", 4404)
    if not host or not validate_host(host, settings.ALLOWED_HOSTS):
        raise unknown
    domain_model = get_tenant_domain_model()
    try:
        tenant = _router().get_tenant(domain_model, host)  # as pages route: www.x is its own domain
    except domain_model.DoesNotExist:
        raise unknown from None
    if tenant.schema_name == get_public_schema_name():
        raise SocketRefused("platform_domain", "The platform domain serves no sockets; use your organisation's.", 4404)
    if tenant.status != Tenant.Status.ACTIVE:
        status, code, _headline, message = TENANT_REFUSALS.get(tenant.status, TENANT_REFUSALS[Tenant.Status.SUSPENDED])
        raise SocketRefused(code, message.format(name=tenant.name), 4000 + status)
    return tenant


def socket_request(scope: dict[str, Any], tenant: Tenant) -> HttpRequest:
    """A request standing for the handshake, so the portal's and the API's own checks apply to it."""
    headers = headers_of(scope)
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = scope.get("path", "/ws/")
    client = scope.get("client") or ("", 0)
    request.META = {
        "REMOTE_ADDR": client[0],
        "HTTP_HOST": headers.get("host", ""),
        "HTTP_ORIGIN": headers.get("origin", ""),
        "HTTP_USER_AGENT": headers.get("user-agent", ""),
        "HTTP_COOKIE": headers.get("cookie", ""),
    }
    request.COOKIES = parse_cookie(headers.get("cookie", ""))
    request.tenant = tenant  # type: ignore[attr-defined]
    return request


def subprotocol_token(scope: dict[str, Any]) -> str | None:
    offered = list(scope.get("subprotocols") or [])
    if len(offered) >= 2 and offered[0].lower() == BEARER:
        return offered[1].replace("~", ":")  # ":" cannot travel in a subprotocol; the token never has "~"
    return None


def _refused_by_api(exc: exceptions.APIException, close_code: int) -> SocketRefused:
    detail = exc.detail if isinstance(exc.detail, dict) else {"detail": exc.detail}
    return SocketRefused(str(detail.get("code") or exc.default_code), str(detail.get("detail", "")), close_code)


def token_user(request: HttpRequest, raw: str) -> Any:
    """The person an access token names, under the tenant's security policy (as on the API)."""
    if raw.startswith(API_KEY_MARKER):
        raise SocketRefused("api_key_refused", "API keys cannot open a socket; it is for signed-in people.", 4403)
    request.META["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    try:
        found = AccessTokenAuthentication().authenticate(Request(request))
    except exceptions.AuthenticationFailed as exc:
        raise _refused_by_api(exc, 4401) from exc
    except exceptions.APIException as exc:  # the security policy (ip_not_allowed, password_expired, …)
        raise _refused_by_api(exc, 4403) from exc
    if found is None:
        raise SocketRefused("token_invalid", "The token is missing.", 4401)
    return found[0]


def _origin_check(request: HttpRequest) -> None:
    """A cookie is sent whoever opens the socket: only pages of the same host may use it (a page on
    another site must not act as the signed-in person). The port may differ (sockets on web + 1)."""
    origin = urlsplit(request.META["HTTP_ORIGIN"]).hostname if request.META["HTTP_ORIGIN"] else None
    host, _port = split_domain_port(request.META["HTTP_HOST"])
    if origin != host:
        raise SocketRefused("origin_refused", "This socket's page is not on this organisation's site.", 4403)


def session_user(request: HttpRequest) -> Any:
    """The person signed in to the portal by this cookie (None: no session), from a page of this host."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(key)  # type: ignore[attr-defined]
    user = auth.get_user(request)
    if not user.is_authenticated:
        return None
    _origin_check(request)
    return user


def session_policy_check(request: HttpRequest, user: Any) -> None:
    """The portal's session rules (apps.policy, apps.security) for the socket's handshake."""
    tenant = request.tenant  # type: ignore[attr-defined]
    session = request.session  # type: ignore[attr-defined]
    policy = policy_effective_for_user(user, tenant=tenant)
    timeout = session_timeout(session, policy, tenant)
    if timeout is not None:
        raise SocketRefused(timeout.code, timeout.message, 4401)
    if session.modified:
        session.save()
    refusal = ip_refusal(policy, request.META["REMOTE_ADDR"], tenant)
    if refusal is not None:
        raise SocketRefused(refusal.code, refusal.message, 4403)
    impersonated = impersonation_id_in(session) is not None  # staff passed their own checks on the platform
    if not impersonated and password_expired(policy, user):
        raise SocketRefused("password_expired", "Your password has expired: change it in the portal.", 4403)
    if not impersonated and tenant_mfa_enrolment_required(user=user, tenant=tenant):
        raise SocketRefused("mfa_required", "Set up two-factor authentication in the portal first.", 4403)


def member_require(request: HttpRequest, user: Any) -> None:
    request.user = user
    try:
        tenant_membership_require(request)
    except MembershipRefused as exc:
        raise SocketRefused(exc.code, str(exc), 4403) from exc


def socket_admit(scope: dict[str, Any]) -> Admission:
    """The tenant and the person of a new socket (person None: no credentials yet, the auth frame may
    bring a token); SocketRefused otherwise."""
    tenant = socket_tenant(scope)
    request = socket_request(scope, tenant)
    with tenant_context(tenant):
        token = subprotocol_token(scope)
        user = token_user(request, token) if token else session_user(request)
        if user is None:
            return Admission(tenant=tenant, user=None)
        member_require(request, user)
        if not token:  # (the token's own policy checks ran in AccessTokenAuthentication)
            session_policy_check(request, user)
    return Admission(tenant=tenant, user=user, method="token" if token else "session")


def socket_admit_token(scope: dict[str, Any], tenant: Tenant, raw: Any) -> Any:
    """The person of an auth frame's token on this socket's tenant; SocketRefused otherwise."""
    if not isinstance(raw, str) or not raw:
        raise SocketRefused("token_invalid", "The auth frame needs a “token”.", 4401)
    request = socket_request(scope, tenant)
    with tenant_context(tenant):
        user = token_user(request, raw)
        member_require(request, user)
    return user


def still_member(*, user_id: Any, tenant_id: Any) -> bool:
    """Re-read on a socket's frames (at most every REALTIME_RECHECK_SECONDS): removed or suspended
    people, deactivated accounts and tenants no longer active lose their socket."""
    return Membership.objects.filter(
        user_id=user_id,
        tenant_id=tenant_id,
        status=Membership.Status.ACTIVE,
        user__is_active=True,
        tenant__status=Tenant.Status.ACTIVE,
    ).exists()
