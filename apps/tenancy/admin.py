from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Domain, Tenant


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    fields = ["domain", "is_primary", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Tenant)
class TenantAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "schema_name", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "schema_name", "domains__domain"]
    readonly_fields = ["id", "schema_name", "is_template", "created_at", "updated_at"]
    inlines = [DomainInline]
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).filter(is_template=False)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Tenants are archived through the lifecycle, never deleted from the admin.
        return False


@admin.register(Domain)
class DomainAdmin(SimpleHistoryAdmin):
    list_display = ["domain", "tenant", "is_primary", "created_at"]
    list_filter = ["is_primary"]
    search_fields = ["domain", "tenant__name", "tenant__slug"]
    list_select_related = ["tenant"]
    autocomplete_fields = ["tenant"]
    show_full_result_count = False
