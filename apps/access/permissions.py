"""Resolver checks for views: DRF `HasResolverPermission` and the portal's
`ResolverPermissionRequiredMixin`. Both read `required_permission` ("app_label.codename") and
`get_permission_object()` (None: "holds the permission anywhere") from the view.

For the API, put `HasResolverPermission` after the tenant-surface base's `TenantAccess`
(`apps.surfaces.api`): the scope decides which endpoints a key may call, the resolver which objects.
Without `get_permission_object`, a detail view's object is checked by DRF's `check_object_permissions`
(`has_object_permission`).
"""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest
from rest_framework.permissions import BasePermission

from apps.accounts.access import tenant_membership_require

from .resolver import may, refusal_message

REFUSAL_CODE = "permission_required"


def _required_permission(view: Any) -> str:
    permission = getattr(view, "required_permission", "")
    if not permission:
        raise ImproperlyConfigured(f"{type(view).__name__} needs a required_permission (“app_label.codename”).")
    return str(permission)


def _permission_object(view: Any) -> Any:
    get_object = getattr(view, "get_permission_object", None)
    return get_object() if callable(get_object) else None


class HasResolverPermission(BasePermission):
    """The caller holds the view's `required_permission` on `get_permission_object()` (or anywhere)."""

    message = "You do not have the permission needed for this."
    code = REFUSAL_CODE

    def _refuse(self, permission: str, obj: Any) -> bool:
        self.message, self.code = refusal_message(permission, obj), REFUSAL_CODE
        return False

    def has_permission(self, request: Any, view: Any) -> bool:
        permission = _required_permission(view)
        obj = _permission_object(view)
        return may(request.user, permission, obj) or self._refuse(permission, obj)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if callable(getattr(view, "get_permission_object", None)):
            return True  # already checked against the view's own permission object
        permission = _required_permission(view)
        return may(request.user, permission, obj) or self._refuse(permission, obj)


class ResolverPermissionRequiredMixin(LoginRequiredMixin):
    """Portal views: signed in, an active member of this tenant, and holding `required_permission`
    on `get_permission_object()`; otherwise a 403 that names the permission and the object."""

    required_permission = ""

    def get_permission_object(self) -> Any:
        return None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated:
            tenant_membership_require(request)
            permission = _required_permission(self)
            obj = self.get_permission_object()
            if not may(request.user, permission, obj):
                raise PermissionDenied(refusal_message(permission, obj))
        return super().dispatch(request, *args, **kwargs)
