"""Portal forms of workplaces; the services validate (time zone, holiday region, hierarchy) and the
views put their refusals on the form."""

from typing import Any

from django import forms

from apps.organisation.models import Entity
from apps.workplaces import geofence
from apps.workplaces.models import Workplace


class WorkplaceFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "All levels"), *Workplace.Kind.choices], required=False)
    q = forms.CharField(
        required=False, label="Search", widget=forms.TextInput(attrs={"placeholder": "Name, code or city"})
    )


class WorkplaceForm(forms.Form):
    kind = forms.ChoiceField(choices=Workplace.Kind.choices)
    code = forms.CharField(max_length=40, help_text="Capital letters, digits, - or _, e.g. SYD-CBD.")
    name = forms.CharField(max_length=200)
    parent = forms.ModelChoiceField(
        queryset=Workplace.objects.none(),
        required=False,
        help_text="A region for an area, an area for a site; none for a region.",
    )
    address_line1 = forms.CharField(max_length=200, required=False, label="Address line 1")
    address_line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    city = forms.CharField(max_length=100, required=False)
    postcode = forms.CharField(max_length=20, required=False)
    state = forms.CharField(max_length=100, required=False, label="State or subdivision")
    country = forms.CharField(max_length=2, required=False, help_text="ISO code, e.g. AU.")
    time_zone = forms.CharField(max_length=64, initial="UTC", help_text="IANA name, e.g. Australia/Sydney.")
    holiday_country = forms.CharField(max_length=3, required=False, help_text="Whose public holidays apply, e.g. AU.")
    holiday_subdivision = forms.CharField(max_length=20, required=False, help_text="e.g. NSW.")
    entity = forms.ModelChoiceField(queryset=Entity.objects.none(), required=False, label="Organisation entity")

    def __init__(self, *args: Any, workplace: Workplace | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = Workplace.objects.filter(kind__in=["region", "area"], is_active=True).order_by("kind", "name")
        self.fields["parent"].queryset = parents.exclude(pk=workplace.pk) if workplace else parents  # type: ignore[attr-defined]
        self.fields["entity"].queryset = Entity.objects.filter(status="active").order_by("path")  # type: ignore[attr-defined]
        if workplace is not None:  # the kind and the code stay
            for fixed in ("kind", "code"):
                self.fields[fixed].disabled = True

    def service_fields(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if not self.fields[name].disabled}


class GeofenceForm(forms.Form):
    shape = forms.ChoiceField(choices=[("circle", "Circle"), ("polygon", "Polygon")], widget=forms.RadioSelect)
    center_lat = forms.FloatField(required=False, min_value=-90, max_value=90, label="Centre latitude")
    center_lng = forms.FloatField(required=False, min_value=-180, max_value=180, label="Centre longitude")
    radius_m = forms.IntegerField(required=False, min_value=geofence.RADIUS_MIN_M, max_value=geofence.RADIUS_MAX_M,
                                  label="Radius (m)")  # fmt: skip
    vertices = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}),
                               help_text="One “lat, lng” per line, in order around the area (3 to 200).")  # fmt: skip

    def clean_vertices(self) -> list[list[float]] | None:
        text = self.cleaned_data["vertices"].strip()
        if not text:
            return None
        vertices = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                lat, lng = (float(part) for part in line.replace(";", ",").split(","))
            except ValueError as exc:
                raise forms.ValidationError(f"Line {number} is not “latitude, longitude”.") from exc
            vertices.append([lat, lng])
        return vertices

    @staticmethod
    def vertices_text(vertices: list[list[float]] | None) -> str:
        return "\n".join(f"{lat}, {lng}" for lat, lng in vertices or [])


class PointTestForm(forms.Form):
    lat = forms.FloatField(min_value=-90, max_value=90, label="Latitude")
    lng = forms.FloatField(min_value=-180, max_value=180, label="Longitude")
    accuracy_m = forms.FloatField(min_value=0, max_value=100_000, initial=0, required=False, label="Accuracy (m)")


class DepartmentForm(forms.Form):
    code = forms.CharField(max_length=40)
    name = forms.CharField(max_length=200)
    entity = forms.ModelChoiceField(queryset=Entity.objects.none(), required=False, label="Organisation entity")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = Entity.objects.filter(status="active").order_by("path")  # type: ignore[attr-defined]
