"""Tenant API shapes of workplaces. Workplaces, parents and departments are named by their codes."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.organisation.models import Entity
from apps.workplaces import geofence
from apps.workplaces.models import Department, Geofence, Workplace
from apps.workplaces.payloads import geofence_payload

ADDRESS_FIELDS = ["address_line1", "address_line2", "city", "postcode", "state", "country"]
HOLIDAY_FIELDS = ["time_zone", "holiday_country", "holiday_subdivision"]


@extend_schema_field(
    {"type": "string", "pattern": "^(region|area|site)$", "description": "The level: region, area or site."}
)
class KindField(serializers.ChoiceField):
    """The workplace's level, documented by a pattern: as an enum it would collide with another app's `kind`
    enum in the schema's components (drf-spectacular names enums by field name)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Workplace.Kind.choices, **kwargs)


class WorkplaceSerializer(serializers.ModelSerializer[Workplace]):
    kind = KindField(read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    geofence = serializers.SerializerMethodField()

    class Meta:
        model = Workplace
        fields = ["id", "code", "kind", "name", "parent", *ADDRESS_FIELDS, *HOLIDAY_FIELDS, "entity", "is_active",
                  "geofence", "created_at", "updated_at"]  # fmt: skip

    def get_geofence(self, workplace: Workplace) -> dict[str, Any] | None:
        return geofence_payload(getattr(workplace, "geofence", None))


class WorkplaceWriteSerializer(serializers.Serializer[Any]):
    """POST creates (kind, code and name required); PATCH changes any field but kind and code."""

    kind = KindField()
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    parent = serializers.SlugRelatedField(slug_field="code", queryset=Workplace.objects.all(), allow_null=True,
                                          required=False)  # fmt: skip
    address_line1 = serializers.CharField(max_length=200, allow_blank=True, required=False)
    address_line2 = serializers.CharField(max_length=200, allow_blank=True, required=False)
    city = serializers.CharField(max_length=100, allow_blank=True, required=False)
    postcode = serializers.CharField(max_length=20, allow_blank=True, required=False)
    state = serializers.CharField(max_length=100, allow_blank=True, required=False)
    country = serializers.CharField(max_length=2, allow_blank=True, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    holiday_country = serializers.CharField(max_length=3, allow_blank=True, required=False)
    holiday_subdivision = serializers.CharField(max_length=20, allow_blank=True, required=False)
    entity = serializers.SlugRelatedField(slug_field="code", queryset=Entity.objects.all(), allow_null=True,
                                          required=False)  # fmt: skip
    is_active = serializers.BooleanField(required=False)


class GeofenceSerializer(serializers.Serializer[Any]):
    shape = serializers.ChoiceField(choices=Geofence.Shape.choices)
    center_lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    center_lng = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    radius_m = serializers.IntegerField(min_value=geofence.RADIUS_MIN_M, max_value=geofence.RADIUS_MAX_M,
                                        required=False, allow_null=True)  # fmt: skip
    vertices = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        min_length=geofence.VERTICES_MIN, max_length=geofence.VERTICES_MAX, required=False, allow_null=True,
        help_text="[[lat, lng], ...] in order around the area.",
    )  # fmt: skip


class GeofenceCheckSerializer(serializers.Serializer[Any]):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(min_value=0, max_value=100_000, default=0,
                                        help_text="The device's GPS accuracy radius in metres.")  # fmt: skip


class VerdictSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["inside", "outside", "uncertain"])
    distance_m = serializers.FloatField(help_text="Distance from the position to the fence's boundary.")


class HolidayQuerySerializer(serializers.Serializer[Any]):
    """`?from=&to=` (dates, both included; "from" is a Python keyword, hence get_fields)."""

    def get_fields(self) -> dict[str, Any]:
        return {"from": serializers.DateField(required=False), "to": serializers.DateField(required=False)}


class HolidaySerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    name = serializers.CharField()


class DepartmentSerializer(serializers.ModelSerializer[Department]):
    site = serializers.SlugRelatedField(slug_field="code", read_only=True)
    entity = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "code", "name", "site", "entity", "is_active", "created_at", "updated_at"]


class DepartmentWriteSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    entity = serializers.SlugRelatedField(slug_field="code", queryset=Entity.objects.all(), allow_null=True,
                                          required=False)  # fmt: skip
    is_active = serializers.BooleanField(required=False)
