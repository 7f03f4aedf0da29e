from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django_tenants.middleware.main import TenantMainMiddleware

from .models import Tenant


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants routing by host, with a clear 404 for hosts that belong to no tenant."""

    @staticmethod
    def hostname_from_request(request: HttpRequest) -> str:
        # django-tenants strips a leading "www.": a tenant's verified www.example.com was looked up as
        # example.com (another tenant's row, or none), while Caddy had a certificate for it. Here every
        # hostname is its own Domain row, proven on its own.
        return request.get_host().split(":")[0]

    def get_tenant(self, domain_model, hostname):  # type: ignore[no-untyped-def]
        # With the plan: the solution checks and the menu read it on most requests.
        domain = domain_model.objects.select_related("tenant", "tenant__plan").get(domain=hostname.lower())
        # The template never routes, nor does a custom domain whose ownership is not proven yet.
        if domain.tenant.is_template or not domain.is_verified:
            raise domain_model.DoesNotExist
        return domain.tenant

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        message = f"No NIDIA Flow organisation or platform site is served at “{hostname}”."
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"detail": message, "code": "unknown_host"}, status=404)
        html = render_to_string("errors/unknown_host.html", {"hostname": hostname, "message": message})
        return HttpResponse(html, status=404)


__all__ = ["Tenant", "TenantMiddleware"]
