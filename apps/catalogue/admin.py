"""Staff admin for the solution and integration catalogues (reference data, history kept).

Deleting is not offered: plans and tenants refer to rows by code, so a row is retired by clearing
"active" instead.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import Integration, Solution


@admin.register(Solution)
class SolutionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "description"]
    list_editable = ["position", "is_active"]
    ordering = ["position", "code"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Integration)
class IntegrationAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "category", "provider", "required_solution", "scope_list", "is_active"]
    list_filter = ["category", "is_active", "provider", "required_solution"]
    search_fields = ["code", "name", "provider", "description"]
    list_select_related = ["required_solution"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Scopes")
    def scope_list(self, integration: Integration) -> str:
        return ", ".join(integration.scopes) or "—"
