"""Bases of the tenant API (/api/v1/ on a tenant's domain): deny by default.

Every tenant API view stands on one of these bases and declares `tenant_access`:

- "member": an active member of this tenant;
- "admin": an active tenant_admin of this tenant;
- "member_read_admin_write": members read (GET/HEAD/OPTIONS), tenant admins write;
- "public": the view authenticates on its own on purpose (token login, invitation answers, the
  API root and documentation); each one is listed with its reason in docs/architecture.md.

An integrator API key (a service principal of this tenant) gets in only where the view declares the
scope it needs (`resource_family` or `required_scopes`, see `apps.surfaces.scopes`) and the key
holds it. A view on a base without a declaration is refused (403 `access_not_declared`). Errors
carry a `code`; lists page with the one `TenantCursorPagination`; `get_object` looks only at this
tenant's rows (declare `tenant_field` for a public-schema model), so "not yours" is the same 404 as
"missing".
"""

from typing import Any

from rest_framework import exceptions, generics, viewsets
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.views import APIView

from apps.accounts.access import TENANT_ACCESS_LEVELS, MembershipRefused, is_service_principal, tenant_access_require

from .deny import DenyUndeclared as DenyUndeclared
from .errors import (
    ACCESS_NOT_DECLARED,
    KEY_NOT_ALLOWED,
    MEMBERS_ONLY,
    coded_exception_handler,
    insufficient_scope_message,
)
from .pagination import TenantCursorPagination
from .scopes import view_declares_scopes, view_required_scopes


def validated(serializer_class: Any, request: Any, **kwargs: Any) -> Any:
    """The request body through `serializer_class`: its validated data, or a 400 with field errors."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def declared_access(view: Any) -> str | None:
    """The view's valid `tenant_access`, or None when it declares none (or an unknown value)."""
    access = getattr(view, "tenant_access", None)
    return access if access in TENANT_ACCESS_LEVELS else None


def api_key_scope_require(request: Any, view: Any) -> None:
    """A service principal may call the view with this method: its key holds every scope needed."""
    needed = view_required_scopes(view, request.method)
    if not needed:
        message = KEY_NOT_ALLOWED if view_declares_scopes(view) else MEMBERS_ONLY
        raise exceptions.PermissionDenied(message, code="api_key_not_allowed")
    missing = [scope for scope in needed if scope not in request.user.api_key.scopes]
    if missing:
        raise exceptions.PermissionDenied(insufficient_scope_message(missing), code="insufficient_scope")


def tenant_caller_allowed(request: Any, view: Any, access: str) -> bool:
    """False for an anonymous caller (DRF answers 401); raises a coded PermissionDenied for a caller
    who is refused; True for a member the declaration admits or a key holding the view's scope."""
    if access == "public":
        return True
    if not (request.user and request.user.is_authenticated):
        return False
    if is_service_principal(request.user):
        api_key_scope_require(request, view)
        return True
    try:
        tenant_access_require(request, access)
    except MembershipRefused as exc:
        raise exceptions.PermissionDenied(str(exc), code=exc.code) from exc
    return True


class TenantAccess(BasePermission):
    """The one permission of the tenant API: decides from the view's declarations."""

    def has_permission(self, request: Any, view: Any) -> bool:
        access = declared_access(view)
        if access is None:
            raise exceptions.PermissionDenied(ACCESS_NOT_DECLARED, code="access_not_declared")
        return tenant_caller_allowed(request, view, access)


class TenantAPIMixin:
    """What every tenant API base adds to a DRF view (put it first among the bases)."""

    tenant_access: str  # declared by each view; absent → refused
    permission_classes: Any = [TenantAccess]
    request: Any

    def get_permissions(self) -> list[Any]:
        if declared_access(self) == "public":
            return [AllowAny()]  # also tells the OpenAPI document that no credentials are needed
        return super().get_permissions()  # type: ignore[misc, no-any-return]

    def get_exception_handler(self) -> Any:
        return coded_exception_handler


class TenantGenericMixin(TenantAPIMixin):
    """The generic (queryset) bases: the one pagination, and this tenant's rows only."""

    pagination_class: Any = TenantCursorPagination
    # For a public-schema model (invoices, tickets, webhook endpoints…): the field naming its tenant.
    tenant_field: str | None = None

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()  # type: ignore[misc]
        if self.tenant_field:
            queryset = queryset.filter(**{self.tenant_field: getattr(self.request, "tenant", None)})
        return queryset


class TenantAPIView(TenantAPIMixin, APIView):
    pass


class TenantGenericAPIView(TenantGenericMixin, generics.GenericAPIView):
    pass


class TenantListAPIView(TenantGenericMixin, generics.ListAPIView):
    pass


class TenantListCreateAPIView(TenantGenericMixin, generics.ListCreateAPIView):
    pass


class TenantRetrieveAPIView(TenantGenericMixin, generics.RetrieveAPIView):
    pass


class TenantViewSet(TenantAPIMixin, viewsets.ViewSet):
    pass


class TenantGenericViewSet(TenantGenericMixin, viewsets.GenericViewSet):
    pass


class TenantReadOnlyModelViewSet(TenantGenericMixin, viewsets.ReadOnlyModelViewSet):
    pass


class TenantModelViewSet(TenantGenericMixin, viewsets.ModelViewSet):
    pass
