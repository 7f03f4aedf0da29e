"""Staff admin: a read-only list of one tenant's branding (organisation default and overrides).

Like the API key list (apps.integrations.admin), the changelist runs inside the schema of the tenant
chosen in the "tenant" filter; with no tenant chosen it lists nothing. Images are not loaded.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.tenancy.admin_tenant_schema import TenantFilter, TenantSchemaChangelistAdmin

from .models import Branding


@admin.register(Branding)
class BrandingAdmin(TenantSchemaChangelistAdmin):
    list_display = [
        "scope_label", "product_name", "has_logo", "primary_color", "accent_color", "text_color",
        "support_email", "email_sender_name", "updated_by", "updated_at",
    ]  # fmt: skip
    list_display_links = None
    list_filter = [TenantFilter]
    list_select_related = ["entity", "updated_by"]
    show_full_result_count = False
    actions = None

    @admin.display(description="scope")
    def scope_label(self, obj: Branding) -> str:
        return obj.scope_label

    @admin.display(description="logo", boolean=True)
    def has_logo(self, obj: Branding) -> bool:
        return bool(getattr(obj, "logo_set", False))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Branding]:
        from django.db.models import Q

        return super().get_queryset(request).defer("logo", "favicon").annotate(logo_set=~Q(logo=""))
