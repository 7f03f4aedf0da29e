from typing import Any

from django.views.generic import TemplateView

from apps.organisation.models import Entity
from apps.surfaces.portal import TenantPortalMixin

from .home import home_blocks


class DashboardView(TenantPortalMixin, TemplateView):
    """/manage/: the home page. What needs attention (the apps' PortalHomeBlock contributions) first,
    then the top of the organisation."""

    tenant_access = "member"
    template_name = "portal/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["membership"] = self.request.membership  # type: ignore[attr-defined]
        context["entities"] = Entity.objects.filter(parent__isnull=True).select_related("entity_type")[:20]
        context["home_blocks"] = blocks = home_blocks(self.request)
        context["attention_count"] = sum(1 for block in blocks if block["context"].get("attention"))
        return context
