"""Tenant API shapes of assets and maintenance. Assets are named by their code, categories by code,
sites and departments by code, people by user id."""

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.assets.models import Asset, AssetCategory, AssetStatus, MaintenancePlan, MeterReading, PlanKind, WorkOrder
from apps.tasks.models import TaskTemplate
from apps.workplaces.models import Department, Workplace


def _choice(name: str, choices: Any, description: str) -> type[serializers.ChoiceField]:
    """A choice documented by a pattern: as an enum it would collide with other apps' `status`/`kind` enums
    in the schema's components (drf-spectacular names enums by field name)."""
    values = [value for value, _ in choices]

    @extend_schema_field({"type": "string", "pattern": f"^({'|'.join(values)})$", "description": description})
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(choices=choices, **kwargs)

    Field.__name__ = name
    return Field


AssetStatusField = _choice("AssetStatusField", AssetStatus.choices, "active, in_repair, retired or lost.")
PlanKindField = _choice("PlanKindField", PlanKind.choices, "time (a recurrence rule) or meter (every N units).")


class AssetCategorySerializer(serializers.ModelSerializer[AssetCategory]):
    class Meta:
        model = AssetCategory
        fields = ["id", "code", "name", "description", "is_active"]
        read_only_fields = ["id", "is_active"]


class AssetSerializer(serializers.ModelSerializer[Asset]):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    custodian = serializers.UUIDField(source="custodian_id", read_only=True, allow_null=True)
    status = AssetStatusField(read_only=True)
    label_url = serializers.SerializerMethodField(help_text="The address the asset's QR label encodes.")

    class Meta:
        model = Asset
        fields = ["id", "code", "label_code", "label_url", "name", "category", "serial_number", "status",
                  "purchase_date", "warranty_until", "custodian", "site", "department", "meter_unit", "notes",
                  "created_at", "updated_at"]  # fmt: skip

    def get_label_url(self, asset: Asset) -> str:
        request = self.context.get("request")
        path = f"/manage/assets/scan/{asset.label_code}/"
        return request.build_absolute_uri(path) if request is not None else path


class AssetWriteSerializer(serializers.Serializer[Any]):
    """POST creates (name, category and site required); PATCH changes any of these."""

    name = serializers.CharField(max_length=200)
    category = serializers.SlugRelatedField(slug_field="code", queryset=AssetCategory.objects.all())
    site = serializers.SlugRelatedField(slug_field="code", queryset=Workplace.objects.all())
    department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.all(), allow_null=True,
                                              required=False)  # fmt: skip
    serial_number = serializers.CharField(max_length=100, allow_blank=True, required=False)
    status = AssetStatusField(required=False)
    purchase_date = serializers.DateField(allow_null=True, required=False)
    warranty_until = serializers.DateField(allow_null=True, required=False)
    custodian = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), allow_null=True,
                                                   required=False, help_text="A member's user id.")  # fmt: skip
    meter_unit = serializers.CharField(max_length=20, allow_blank=True, required=False)
    notes = serializers.CharField(allow_blank=True, required=False)


class MeterReadingSerializer(serializers.ModelSerializer[MeterReading]):
    recorded_by = serializers.UUIDField(source="recorded_by_id", read_only=True, allow_null=True)

    class Meta:
        model = MeterReading
        fields = ["id", "value", "total", "unit", "read_at", "is_reset", "note", "recorded_by", "created_at"]
        read_only_fields = fields


class MeterReadingWriteSerializer(serializers.Serializer[Any]):
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    read_at = serializers.DateTimeField(required=False, help_text="When it was read (default: now).")
    is_reset = serializers.BooleanField(default=False, help_text="The meter was reset or replaced.")
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class WorkOrderTaskSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    assignee = serializers.UUIDField(source="assignee_id", allow_null=True)


class MaintenanceWorkOrderSerializer(serializers.ModelSerializer[WorkOrder]):
    asset = serializers.SlugRelatedField(slug_field="code", read_only=True)
    task = WorkOrderTaskSerializer(read_only=True)

    class Meta:
        model = WorkOrder
        fields = ["id", "plan", "asset", "due_key", "due_at", "meter_total", "task", "created_at"]
        read_only_fields = fields


class MaintenancePlanSerializer(serializers.ModelSerializer[MaintenancePlan]):
    asset = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    template = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = PlanKindField(read_only=True)

    class Meta:
        model = MaintenancePlan
        fields = ["id", "name", "asset", "category", "site", "template", "kind", "rrule", "starts_at",
                  "meter_interval", "meter_start", "lead_days", "is_active", "created_at"]  # fmt: skip


class MaintenancePlanWriteSerializer(serializers.Serializer[Any]):
    """For one asset (`asset`), or a category at a site (`category` and `site`)."""

    name = serializers.CharField(max_length=200)
    template = serializers.SlugRelatedField(slug_field="code", queryset=TaskTemplate.objects.all())
    kind = PlanKindField()
    asset = serializers.SlugRelatedField(slug_field="code", queryset=Asset.objects.all(), allow_null=True,
                                         required=False)  # fmt: skip
    category = serializers.SlugRelatedField(slug_field="code", queryset=AssetCategory.objects.all(), allow_null=True,
                                            required=False)  # fmt: skip
    site = serializers.SlugRelatedField(slug_field="code", queryset=Workplace.objects.all(), allow_null=True,
                                        required=False)  # fmt: skip
    rrule = serializers.CharField(max_length=500, allow_blank=True, required=False, default="",
                                  help_text="RFC 5545 with COUNT or UNTIL, e.g. FREQ=MONTHLY;COUNT=24.")  # fmt: skip
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    meter_interval = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    lead_days = serializers.IntegerField(min_value=0, max_value=366, required=False, default=14)
    is_active = serializers.BooleanField(required=False)


class MaintenanceUpcomingSerializer(serializers.Serializer[Any]):
    asset = serializers.CharField(source="asset.code")
    due_at = serializers.DateTimeField()
    due_key = serializers.CharField()
    work_order = MaintenanceWorkOrderSerializer(source="order", allow_null=True)
