from typing import Any

from django.contrib import admin

from .models import RefreshTokenFamily


@admin.register(RefreshTokenFamily)
class RefreshTokenFamilyAdmin(admin.ModelAdmin):
    """Read-only: members' API sign-ins. Tokens are revoked by their owner (API) or by revoke-all."""

    list_display = ["user", "tenant", "device_name", "created_at", "last_refreshed_at", "revoked_at", "revoke_reason"]
    list_filter = ["revoke_reason", ("revoked_at", admin.EmptyFieldListFilter), "tenant"]
    search_fields = ["user__email", "user__code", "device_name"]
    list_select_related = ["user", "tenant"]
    show_full_result_count = False
    list_per_page = 100

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
