from typing import Any

from django.views.generic import TemplateView

from apps.organisation.models import Entity
from apps.surfaces.portal import TenantPortalMixin


class DashboardView(TenantPortalMixin, TemplateView):
    tenant_access = "member"
    template_name = "portal/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["membership"] = self.request.membership  # type: ignore[attr-defined]
        context["entities"] = Entity.objects.filter(parent__isnull=True)[:20]
        return context
