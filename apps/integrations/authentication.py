"""DRF authentication with an integrator API key: `Authorization: Api-Key nf_<prefix>_<secret>`."""

from typing import Any

from django_tenants.utils import get_public_schema_name
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from apps.tokens.authentication import auth_failed, authorization_credentials

from .models import ApiKey
from .selectors import api_key_find
from .services import api_key_touch

REFUSALS = {
    "api_key_invalid": "This API key is not valid for this organisation.",
    "api_key_revoked": "This API key has been revoked.",
    "api_key_expired": "This API key has expired.",
}


class ApiKeyPrincipal:
    """request.user for a key: a service principal, not a person. It has no membership, no staff
    rights and no Django permissions; endpoints accept it only where they declare a scope (`apps.surfaces.api`)."""

    is_service_principal = True
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        # audit_record labels the actor with `code`: the key's public prefix, never its secret.
        self.code = f"api-key:{api_key.prefix}"

    def __str__(self) -> str:
        return f"API key “{self.api_key.name}” ({self.api_key.display_prefix})"

    def get_username(self) -> str:
        return self.code

    def has_scopes(self, scopes: tuple[str, ...]) -> bool:
        return set(scopes) <= set(self.api_key.scopes)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        raw = authorization_credentials(request, self.keyword)
        if raw is None:
            return None
        tenant = getattr(request, "tenant", None)
        # Keys live in tenant schemas: on the platform domain there is no key table to look in.
        api_key = None if tenant is None or tenant.schema_name == get_public_schema_name() else api_key_find(raw=raw)
        code = "api_key_invalid" if api_key is None else self._refusal(api_key)
        if code is not None:
            raise auth_failed(code, REFUSALS[code])
        assert api_key is not None
        api_key_touch(api_key=api_key, ip_address=request.META.get("REMOTE_ADDR"))
        return ApiKeyPrincipal(api_key), api_key

    @staticmethod
    def _refusal(api_key: ApiKey) -> str | None:
        status = api_key.status
        if status == ApiKey.Status.REVOKED:
            return "api_key_revoked"
        if status == ApiKey.Status.EXPIRED:
            return "api_key_expired"
        return None

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
