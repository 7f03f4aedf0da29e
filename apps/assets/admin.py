"""Staff admin of one tenant's assets and maintenance, to look at only: changes go through the tenant's
pages and API (services with validation, history and events). Visible only on a tenant's schema."""

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import Asset, AssetCategory, MaintenancePlan, MeterReading, WorkOrder


@admin.register(AssetCategory)
class AssetCategoryAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    list_select_related = False  # lists no related row


@admin.register(Asset)
class AssetAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "category", "serial_number", "status", "site", "custodian", "warranty_until"]
    list_filter = ["status", "category"]
    search_fields = ["code", "name", "serial_number", "label_code"]
    list_select_related = ["category", "site", "custodian"]


@admin.register(MeterReading)
class MeterReadingAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["asset", "value", "total", "unit", "read_at", "is_reset", "recorded_by"]
    list_filter = ["is_reset"]
    search_fields = ["asset__code", "asset__name"]
    list_select_related = ["asset", "recorded_by"]


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "asset", "category", "site", "template", "rrule", "meter_interval", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "asset__code"]
    list_select_related = ["asset", "category", "site", "template"]


@admin.register(WorkOrder)
class WorkOrderAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["plan", "asset", "due_key", "due_at", "task", "created_at"]
    list_filter = ["plan__kind"]
    search_fields = ["asset__code", "due_key", "plan__name"]
    list_select_related = ["plan", "asset", "task"]
