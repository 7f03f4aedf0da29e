"""Portal forms of rosters. People are offered by the caller's reach (admins: every active member;
managers: their direct reports)."""

import datetime
from typing import Any

from django import forms

from apps.rosters.models import RosterRules, RosterStatus, ShiftType
from apps.workplaces.models import Workplace

WEEKDAYS = [(str(i), name) for i, name in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])]
DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"})


def sites() -> Any:
    return Workplace.objects.filter(kind="site", is_active=True).order_by("name")


class RosterFilterForm(forms.Form):
    workplace = forms.ModelChoiceField(queryset=sites(), to_field_name="code", required=False, empty_label="Any site")
    status = forms.ChoiceField(choices=[("", "Any status"), *RosterStatus.choices], required=False)
    start = forms.DateField(required=False, widget=DATE, label="From")
    end = forms.DateField(required=False, widget=DATE, label="To")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workplace"].queryset = sites()  # type: ignore[attr-defined]


class RosterForm(forms.Form):
    workplace = forms.ModelChoiceField(queryset=sites(), label="Site")
    name = forms.CharField(max_length=200, required=False, help_text="Optional; e.g. “CBD, March”.")
    start_date = forms.DateField(widget=DATE)
    end_date = forms.DateField(widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workplace"].queryset = sites()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The period ends before it starts.")
        elif start and end and (end - start).days > 366:
            self.add_error("end_date", "A roster covers at most a year.")
        return data


class PeopleForm(forms.Form):
    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("user", "users"):
            if name in self.fields:
                self.fields[name].choices = people  # type: ignore[attr-defined]
        if "shift_type" in self.fields:
            self.fields["shift_type"].queryset = ShiftType.objects.filter(is_active=True)  # type: ignore[attr-defined]


class ShiftAddForm(PeopleForm):
    user = forms.ChoiceField(label="Person")
    day = forms.DateField(widget=DATE)
    shift_type = forms.ModelChoiceField(queryset=ShiftType.objects.none(), required=False, empty_label="Custom times")
    start_time = forms.TimeField(required=False, widget=TIME, help_text="For custom times.")
    end_time = forms.TimeField(required=False, widget=TIME, help_text="At or before the start: ends the next day.")
    notes = forms.CharField(required=False, max_length=500)


class AssignForm(PeopleForm):
    users = forms.MultipleChoiceField(label="People", widget=forms.SelectMultiple(attrs={"size": 6}))
    shift_type = forms.ModelChoiceField(queryset=ShiftType.objects.none())
    from_day = forms.DateField(widget=DATE, label="From")
    to_day = forms.DateField(widget=DATE, label="To")
    weekdays = forms.MultipleChoiceField(
        choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, initial=["0", "1", "2", "3", "4"]
    )

    def days(self) -> list[datetime.date]:
        data = self.cleaned_data
        wanted = {int(d) for d in data["weekdays"]}
        span = (data["to_day"] - data["from_day"]).days + 1
        every = (data["from_day"] + datetime.timedelta(days=i) for i in range(max(span, 0)))
        return [day for day in every if day.weekday() in wanted]


class PatternForm(PeopleForm):
    users = forms.MultipleChoiceField(label="People", widget=forms.SelectMultiple(attrs={"size": 6}))
    shift_type = forms.ModelChoiceField(queryset=ShiftType.objects.none())
    rrule = forms.CharField(
        label="Repeat rule (RFC 5545 RRULE)",
        max_length=500,
        help_text="e.g. FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270331 — with UNTIL or COUNT, "
        "within the roster period.",
    )
    starts_on = forms.DateField(widget=DATE, required=False, help_text="Defaults to the roster's first day.")


class ShiftTypeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ShiftType
        fields = [
            "code",
            "name",
            "start_time",
            "end_time",
            "unpaid_break_minutes",
            "paid_break_minutes",
            "late_grace_minutes",
            "colour",
            "is_active",
        ]
        widgets = {"start_time": TIME, "end_time": TIME, "colour": forms.TextInput(attrs={"type": "color"})}


class RulesForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RosterRules
        fields = ["min_rest_hours", "min_rest_action", "max_weekly_hours", "max_weekly_action"]
