"""Staff admin of one tenant's punches and punch policies, to look at only: punches change through
the tenant's pages and API (services with their rules and history). Visible only on a tenant's schema."""

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import Punch, PunchPolicy


@admin.register(Punch)
class PunchAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user", "kind", "at", "workplace", "source", "verdict", "distance_m", "offline",
                    "needs_review"]  # fmt: skip
    list_filter = ["kind", "source", "verdict", "needs_review", "offline"]
    search_fields = ["user__email", "client_id", "workplace__code"]
    list_select_related = ["user", "workplace"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(PunchPolicy)
class PunchPolicyAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "outside", "offline_tolerance_hours", "max_shift_hours", "max_overrun_minutes"]
    list_select_related = ["workplace"]
