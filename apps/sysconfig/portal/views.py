"""Portal: the platform's public settings (/manage/settings/), read-only, for tenant admins."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.surfaces.portal import TenantPortalView
from apps.sysconfig.services import settings_public


class PublicSettingsView(TenantPortalView):
    tenant_access = "admin"
    template_name = "sysconfig/settings.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"settings": settings_public()})
