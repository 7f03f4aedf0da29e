"""Workplaces (tenant schema): sites in a region → area → site hierarchy, their departments and geofence.

The hierarchy's rules are kept by the database, not only by the services:

- `parent_kind` repeats the parent's `kind`; a composite foreign key (parent_id, parent_kind) →
  (id, kind) ON UPDATE CASCADE (SQL in the migration) keeps it equal to the parent's kind;
- a check allows only a region without a parent, an area under a region and a site under an area.
- A department and a geofence point at their workplace the same way, (site_id, site_kind) →
  (id, kind), with a check that `site_kind` is "site": neither can hang from a region or an area.

Three fixed levels need no materialised path: the sites of a region are `parent__parent=region`.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from apps.audit.history import history_records

from . import geofence

CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{0,39}$",
    "Codes are 1 to 40 capital letters, digits, hyphens or underscores, e.g. SYD-CBD.",
    code="invalid_code",
)
LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


class WorkplaceKind(models.TextChoices):
    REGION = "region", "Region"
    AREA = "area", "Area"
    SITE = "site", "Site"


PARENT_KIND = {WorkplaceKind.REGION: None, WorkplaceKind.AREA: WorkplaceKind.REGION,
               WorkplaceKind.SITE: WorkplaceKind.AREA}  # fmt: skip


class WorkplaceQuerySet(models.QuerySet["Workplace"]):
    def active(self) -> "WorkplaceQuerySet":
        return self.filter(is_active=True)

    def sites(self) -> "WorkplaceQuerySet":
        return self.filter(kind=WorkplaceKind.SITE)

    def under(self, workplace: "Workplace") -> "WorkplaceQuerySet":
        """Everything below `workplace` (two levels at most)."""
        return self.filter(Q(parent=workplace) | Q(parent__parent=workplace))


class Workplace(models.Model):
    Kind = WorkplaceKind

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # The parent's kind, set by save(); the composite foreign key keeps it true (module docstring).
    parent_kind = models.CharField(max_length=10, choices=Kind.choices, null=True, blank=True, editable=False)
    code = models.CharField(max_length=40, unique=True, validators=[CODE_VALIDATOR],
                            help_text="Stable identifier used by the API and imports, e.g. SYD-CBD.")  # fmt: skip
    name = models.CharField(max_length=200)
    address_line1 = models.CharField("address line 1", max_length=200, blank=True, default="")
    address_line2 = models.CharField("address line 2", max_length=200, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    postcode = models.CharField(max_length=20, blank=True, default="")
    state = models.CharField("state or subdivision", max_length=100, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="", help_text="ISO 3166-1 alpha-2, e.g. AU.")
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA name, e.g. Australia/Sydney.")
    holiday_country = models.CharField(max_length=3, blank=True, default="",
                                       help_text="Whose public holidays apply (ISO code), e.g. AU.")  # fmt: skip
    holiday_subdivision = models.CharField(max_length=20, blank=True, default="",
                                           help_text="The subdivision whose holidays apply too, e.g. NSW.")  # fmt: skip
    entity = models.ForeignKey(
        "organisation.Entity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workplaces",
        help_text="The part of the organisation it belongs to.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["parent_kind"])

    objects = WorkplaceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=WorkplaceKind.values), name="workplaces_workplace_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind="region", parent__isnull=True, parent_kind__isnull=True)
                | Q(kind="area", parent__isnull=False, parent_kind="region")
                | Q(kind="site", parent__isnull=False, parent_kind="area"),
                name="workplaces_workplace_parent_rule",
                violation_error_message="A region has no parent, an area's parent is a region, a site's an area.",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="workplaces_workplace_not_own_parent"),
            # The target of the composite foreign keys (migration SQL).
            models.UniqueConstraint(fields=["id", "kind"], name="workplaces_workplace_id_kind"),
        ]
        indexes = [models.Index(fields=["kind", "name"], name="workplaces_kind_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The parent's current kind, read fresh: a stale one is refused by the composite foreign key.
        self.parent_kind = (
            type(self)._default_manager.values_list("kind", flat=True).get(pk=self.parent_id)
            if self.parent_id
            else None
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "parent" in update_fields:
            kwargs["update_fields"] = {*update_fields, "parent_kind"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        expected = PARENT_KIND[WorkplaceKind(self.kind)] if self.kind in WorkplaceKind.values else None
        parent = self.parent if self.parent_id else None
        if expected is None and parent is not None:
            raise ValidationError({"parent": ValidationError("A region has no parent.", code="parent_kind")})
        if expected is not None and (parent is None or parent.kind != expected):
            raise ValidationError({"parent": ValidationError(
                f"A {self.get_kind_display().lower()}'s parent must be {'an' if expected == 'area' else 'a'} "
                f"{expected}.", code="parent_kind")})  # fmt: skip


class Department(models.Model):
    """A department at a site (bakery, warehouse, front of house)."""

    id = models.BigAutoField(primary_key=True)
    site = models.ForeignKey(Workplace, on_delete=models.PROTECT, related_name="departments")
    site_kind = models.CharField(max_length=10, default=WorkplaceKind.SITE, editable=False)
    code = models.CharField(max_length=40, validators=[CODE_VALIDATOR])
    name = models.CharField(max_length=200)
    entity = models.ForeignKey("organisation.Entity", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="workplace_departments")  # fmt: skip
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["site_kind"])

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="workplaces_department_code_per_site",
                                    violation_error_message="This site already has a department with this code."),
            models.CheckConstraint(condition=Q(site_kind="site"), name="workplaces_department_at_site"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class GeofenceShape(models.TextChoices):
    CIRCLE = "circle", "Circle"
    POLYGON = "polygon", "Polygon"


def _vertex_count() -> Func:
    return Func(F("vertices"), function="jsonb_array_length", output_field=models.IntegerField())


class Geofence(models.Model):
    """The area around a site where a punch counts as "at work": a circle or a polygon."""

    Shape = GeofenceShape

    site = models.OneToOneField(Workplace, on_delete=models.CASCADE, primary_key=True, related_name="geofence")
    site_kind = models.CharField(max_length=10, default=WorkplaceKind.SITE, editable=False)
    shape = models.CharField(max_length=10, choices=Shape.choices)
    center_lat = models.FloatField(null=True, blank=True, validators=LATITUDE)
    center_lng = models.FloatField(null=True, blank=True, validators=LONGITUDE)
    radius_m = models.PositiveIntegerField(
        null=True, blank=True,
        validators=[MinValueValidator(geofence.RADIUS_MIN_M), MaxValueValidator(geofence.RADIUS_MAX_M)],
    )  # fmt: skip
    vertices = models.JSONField(null=True, blank=True, help_text="[[lat, lng], ...], 3 to 200 vertices, in order.")
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["site_kind"])

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(site_kind="site"), name="workplaces_geofence_at_site"),
            models.CheckConstraint(
                condition=Q(shape="circle", center_lat__isnull=False, center_lng__isnull=False,
                            radius_m__isnull=False, vertices__isnull=True)
                | Q(shape="polygon", center_lat__isnull=True, center_lng__isnull=True, radius_m__isnull=True,
                    vertices__isnull=False),
                name="workplaces_geofence_shape_fields",
                violation_error_message="A circle has a centre and a radius; a polygon has vertices only.",
            ),
            models.CheckConstraint(condition=Q(center_lat__gte=-90, center_lat__lte=90),
                                   name="workplaces_geofence_lat_range"),
            models.CheckConstraint(condition=Q(center_lng__gte=-180, center_lng__lte=180),
                                   name="workplaces_geofence_lng_range"),
            models.CheckConstraint(
                condition=Q(radius_m__gte=geofence.RADIUS_MIN_M, radius_m__lte=geofence.RADIUS_MAX_M),
                name="workplaces_geofence_radius_range",
            ),
            models.CheckConstraint(
                condition=Q(vertices__isnull=True)
                | (GreaterThanOrEqual(_vertex_count(), geofence.VERTICES_MIN)
                   & LessThanOrEqual(_vertex_count(), geofence.VERTICES_MAX)),
                name="workplaces_geofence_vertex_count",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        if self.shape == GeofenceShape.CIRCLE:
            return f"circle of {self.radius_m} m around {self.center_lat}, {self.center_lng}"
        return f"polygon of {len(self.vertices or [])} vertices"

    def clean(self) -> None:
        if self.shape == GeofenceShape.POLYGON:
            problems = geofence.polygon_problems(self.vertices or [])
            if problems:
                raise ValidationError({"vertices": ValidationError(problems[0], code="invalid_polygon")})

    def fence(self) -> geofence.Fence:
        if self.shape == GeofenceShape.CIRCLE:
            return geofence.Circle(float(self.center_lat or 0), float(self.center_lng or 0), float(self.radius_m or 0))
        return geofence.Polygon(tuple((float(lat), float(lng)) for lat, lng in self.vertices or []))
