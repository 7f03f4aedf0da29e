"""Staff console: signup attempts (read-only; the tenant and its company record have their own pages)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import Onboarding


@admin.register(Onboarding)
class OnboardingAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["id", "user", "status", "country", "tax_id", "tax_id_verification", "tenant_link", "created_at"]
    list_filter = ["status", "tax_id_verification", "country"]
    search_fields = ["user__email", "tax_id", "tenant__name", "tenant__slug"]
    list_select_related = ["user", "tenant"]
    show_full_result_count = False

    @admin.display(description="Tenant")
    def tenant_link(self, obj: Onboarding) -> Any:
        if obj.tenant is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:tenancy_tenant_change", args=[obj.tenant_id]),
                           obj.tenant.name)  # fmt: skip

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
