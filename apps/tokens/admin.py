from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import RefreshTokenFamily


@admin.register(RefreshTokenFamily)
class RefreshTokenFamilyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: members' API sign-ins. Tokens are revoked by their owner (API) or by revoke-all."""

    list_display = ["user", "tenant", "device_name", "created_at", "last_refreshed_at", "revoked_at", "revoke_reason"]
    list_filter = ["revoke_reason", ("revoked_at", admin.EmptyFieldListFilter), "tenant"]
    search_fields = ["user__email", "user__code", "device_name"]
    list_select_related = ["user", "tenant"]
    show_full_result_count = False
    list_per_page = 100
