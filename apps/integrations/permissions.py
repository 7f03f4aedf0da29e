"""Permissions for endpoints that integrator API keys may call (see `scopes.view_required_scopes`)."""

from typing import Any

from rest_framework.permissions import BasePermission

from apps.accounts.access import IsTenantAdmin, IsTenantMember, is_service_principal

from .scopes import all_scopes, view_required_scopes

KEY_NOT_ALLOWED = "API keys cannot use this endpoint."


def _coded(message: Any, code: str | None) -> Any:
    # A dict message becomes the JSON body as is, so `code` is there whichever exception handler runs.
    return {"detail": str(message), "code": code} if code else message


class HasApiKeyScope(BasePermission):
    """Only API-key requests whose key holds every scope the view needs for this method."""

    message: Any = {"detail": KEY_NOT_ALLOWED, "code": "api_key_not_allowed"}

    def has_permission(self, request: Any, view: Any) -> bool:
        if not is_service_principal(request.user):
            return False
        needed = view_required_scopes(view, request.method)
        if not needed or not set(needed) <= set(all_scopes()):
            self.message = {"detail": KEY_NOT_ALLOWED, "code": "api_key_not_allowed"}
            return False
        missing = [scope for scope in needed if scope not in request.user.api_key.scopes]
        if missing:
            self.message = {
                "detail": f"This API key lacks the scope {', '.join(missing)} needed here.",
                "code": "insufficient_scope",
            }
            return False
        return True


class IsTenantMemberOrApiKeyScope(BasePermission):
    """A person who is an active member of this tenant, or an API key with the view's scope."""

    member_permission: type[IsTenantMember] = IsTenantMember
    message: Any = IsTenantMember.message

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        check = HasApiKeyScope() if is_service_principal(request.user) else self.member_permission()
        allowed = check.has_permission(request, view)
        if not allowed:
            self.message = _coded(check.message, getattr(check, "code", None))
        return allowed


class IsTenantAdminOrApiKeyScope(IsTenantMemberOrApiKeyScope):
    """A tenant admin of this tenant, or an API key with the view's scope."""

    member_permission = IsTenantAdmin
