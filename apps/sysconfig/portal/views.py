"""Portal: the platform's public settings (/manage/settings/), read-only, for tenant admins."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from apps.accounts.access import TenantAdminRequiredMixin
from apps.sysconfig.services import settings_public


class PublicSettingsView(TenantAdminRequiredMixin, View):
    template_name = "sysconfig/settings.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"settings": settings_public()})
