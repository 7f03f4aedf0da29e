"""DRF's default permission (settings REST_FRAMEWORK): a view that names no permission is refused.

Kept apart from `api` because DRF imports its default permission while it is itself being imported.
"""

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

ACCESS_NOT_DECLARED = "This view does not declare who may use it, so nobody may."


class DenyUndeclared(BasePermission):
    """Platform API views name their own permission classes; tenant views stand on apps.surfaces.api."""

    def has_permission(self, request: Any, view: Any) -> bool:
        from rest_framework.routers import APIRootView  # DRF is still importing when this module loads

        if isinstance(view, APIRootView):
            # A router's root only lists links; signed-in callers see it as before deny-by-default.
            return bool(request.user and request.user.is_authenticated)
        raise exceptions.PermissionDenied(ACCESS_NOT_DECLARED, code="access_not_declared")
