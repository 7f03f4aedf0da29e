"""Forms of the asset pages: filters, an asset, a meter reading, a maintenance plan."""

from typing import Any

from django import forms

from apps.assets.models import AssetCategory, AssetStatus, PlanKind
from apps.organisation.portal.forms import PersonChoiceField
from apps.tasks.models import TaskTemplate
from apps.workplaces.models import Department, Workplace, WorkplaceKind


def _sites() -> Any:
    return Workplace.objects.filter(kind=WorkplaceKind.SITE).order_by("name")


class AssetFilterForm(forms.Form):
    q = forms.CharField(
        required=False, label="Search", widget=forms.TextInput(attrs={"placeholder": "Code, serial or name"})
    )
    site = forms.ModelChoiceField(queryset=Workplace.objects.none(), to_field_name="code", required=False)
    category = forms.ModelChoiceField(queryset=AssetCategory.objects.all(), to_field_name="code", required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *AssetStatus.choices], required=False)
    custodian = PersonChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = _sites()  # type: ignore[attr-defined]


class AssetForm(forms.Form):
    name = forms.CharField(max_length=200)
    category = forms.ModelChoiceField(queryset=AssetCategory.objects.filter(is_active=True), to_field_name="code")
    site = forms.ModelChoiceField(queryset=Workplace.objects.none(), to_field_name="code")
    department = forms.ModelChoiceField(queryset=Department.objects.select_related("site"), required=False)
    serial_number = forms.CharField(max_length=100, required=False)
    status = forms.ChoiceField(choices=AssetStatus.choices, initial=AssetStatus.ACTIVE)
    purchase_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    warranty_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    custodian = PersonChoiceField(required=False)
    meter_unit = forms.CharField(max_length=20, required=False, help_text='What its meter counts, e.g. "hours".')
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = _sites().filter(is_active=True)  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        profile = data.pop("custodian", None)
        data["custodian"] = profile.user if profile is not None else None
        return data


class ReadingForm(forms.Form):
    value = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    is_reset = forms.BooleanField(required=False, label="The meter was reset or replaced")
    note = forms.CharField(max_length=300, required=False)


class PlanForm(forms.Form):
    name = forms.CharField(max_length=200)
    template = forms.ModelChoiceField(queryset=TaskTemplate.objects.filter(is_active=True), to_field_name="code")
    kind = forms.ChoiceField(choices=PlanKind.choices, widget=forms.RadioSelect, initial=PlanKind.TIME)
    rrule = forms.CharField(max_length=500, required=False, label="Recurrence rule",
                            help_text="RFC 5545 with COUNT or UNTIL, e.g. FREQ=MONTHLY;COUNT=24.")  # fmt: skip
    starts_at = forms.DateTimeField(required=False, label="First occurrence",
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                    help_text="In the site's time zone.")  # fmt: skip
    meter_interval = forms.DecimalField(max_digits=14, decimal_places=2, required=False, min_value=0,
                                        label="Every (meter units)")  # fmt: skip
    lead_days = forms.IntegerField(min_value=0, max_value=366, initial=14, label="Make work orders ahead (days)")
