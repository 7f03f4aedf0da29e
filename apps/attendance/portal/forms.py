"""Forms of the attendance pages: filters, a correction (times local to the workplace), an overtime rule."""

import datetime
import zoneinfo
from typing import Any

from django import forms

from apps.attendance.models import OvertimeRule
from apps.workplaces.models import Workplace


class FilterForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    workplace = forms.ModelChoiceField(queryset=Workplace.objects.none(), required=False, to_field_name="code")
    user = forms.ChoiceField(label="Person", required=False)
    status = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, people: list[tuple[str, str]], statuses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workplace"].queryset = Workplace.objects.sites().order_by("name")  # type: ignore[attr-defined]
        self.fields["user"].choices = [("", "Everyone"), *people]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", "Any"), *[(s, s.replace("_", " ")) for s in statuses]]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"start": data.get("start"), "end": data.get("end"), "workplace": data.get("workplace"),
                "user_id": data.get("user") or None, "status": data.get("status", "")}  # fmt: skip


class CorrectionForm(forms.Form):
    user = forms.ChoiceField(label="Person")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    workplace = forms.ModelChoiceField(queryset=Workplace.objects.none(), to_field_name="code")
    clock_in = forms.TimeField(label="In", widget=forms.TimeInput(attrs={"type": "time"}))
    break_start = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    break_end = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    clock_out = forms.TimeField(label="Out", widget=forms.TimeInput(attrs={"type": "time"}),
                                help_text="Earlier than the in time: the next day (overnight shift).")  # fmt: skip
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = people  # type: ignore[attr-defined]
        self.fields["workplace"].queryset = Workplace.objects.sites().active().order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("break_start")) != bool(data.get("break_end")):
            raise forms.ValidationError("Give both ends of the break, or neither.")
        return data

    def punches(self) -> list[dict[str, Any]]:
        """The proposed punches, as aware times in the workplace's zone (later times roll to the next day)."""
        data = self.cleaned_data
        zone = zoneinfo.ZoneInfo(data["workplace"].time_zone)
        order = [("in", data["clock_in"]), ("break_start", data.get("break_start")),
                 ("break_end", data.get("break_end")), ("out", data["clock_out"])]  # fmt: skip
        punches, day, previous = [], data["date"], None
        for kind, moment in order:
            if moment is None:
                continue
            if previous is not None and moment <= previous:
                day += datetime.timedelta(days=1)
            previous = moment
            at = datetime.datetime.combine(day, moment, zone)
            punches.append({"kind": kind, "at": at, "workplace": data["workplace"].code})
        return punches


class OvertimeRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    workplace = forms.ModelChoiceField(queryset=Workplace.objects.none(), required=False, to_field_name="code",
                                       empty_label="The whole organisation")  # fmt: skip

    class Meta:
        model = OvertimeRule
        fields = ["workplace", "daily_threshold_minutes", "weekly_threshold_minutes", "daily_multiplier",
                  "weekly_multiplier", "rest_day_counts", "rest_day_multiplier", "public_holiday_counts",
                  "public_holiday_multiplier", "auto_submit"]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workplace"].queryset = Workplace.objects.sites().order_by("name")  # type: ignore[attr-defined]

    def validate_unique(self) -> None:  # the service replaces the scope's rule
        pass
