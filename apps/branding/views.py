"""The tenant API's documentation and schema, in the organisation's branding (private label)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantAPIMixin

from .selectors import PRODUCT_DEFAULT, ResolvedBranding, branding_for


def _branding(request: Request) -> ResolvedBranding:
    return branding_for(tenant=getattr(request, "tenant", None), user=request.user)


class BrandedSwaggerView(TenantAPIMixin, SpectacularSwaggerView):
    """/api/v1/docs/: the organisation's product name in the title, its logo, favicon and colours."""

    tenant_access = "public"  # the documentation is public, as it was

    template_name = "branding/swagger_ui.html"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Authenticate before content negotiation: a 406 is rendered through this HTML page, whose
        # context processors read request.user, so bad credentials there were a 500 instead of a 401.
        self.perform_authentication(request)
        super().initial(request, *args, **kwargs)

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        branding = _branding(request)
        tenant = getattr(request, "tenant", None)
        response.data["title"] = f"{branding.product_name} API · {tenant.name}" if tenant else self.title
        if branding.favicon_url:
            response.data["favicon_href"] = branding.favicon_url
        response.data["branding"] = branding
        response.data["tenant_name"] = getattr(tenant, "name", "")
        return response


class BrandedRedocView(TenantAPIMixin, SpectacularRedocView):
    """/api/v1/redoc/: the same document read in ReDoc, with the organisation's bar, title and favicon."""

    tenant_access = "public"  # the documentation is public, like /api/v1/docs/

    template_name = "branding/redoc.html"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.perform_authentication(request)  # as BrandedSwaggerView: a 406 page reads request.user
        super().initial(request, *args, **kwargs)

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        branding = _branding(request)
        tenant = getattr(request, "tenant", None)
        response.data["title"] = f"{branding.product_name} API · {tenant.name}" if tenant else self.title
        response.data["favicon_href"] = branding.favicon_url or ""
        response.data["branding"] = branding
        response.data["tenant_name"] = getattr(tenant, "name", "")
        return response


class BrandedSchemaView(TenantAPIMixin, SpectacularAPIView):
    """/api/v1/schema/: `info.title` names the organisation's product when it has its own name."""

    tenant_access = "public"  # the OpenAPI document is public, as it was

    @extend_schema(exclude=True)  # the schema does not describe itself (SERVE_INCLUDE_SCHEMA is off)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        branding = _branding(request)
        if branding.source_of("product_name") != PRODUCT_DEFAULT:
            self.custom_settings = {**(self.custom_settings or {}), "TITLE": f"{branding.product_name} API"}
        return super().get(request, *args, **kwargs)
