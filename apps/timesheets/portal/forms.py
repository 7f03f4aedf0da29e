import datetime
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone

from apps.core.recurrence import zone
from apps.tasks.models import Task


class TimerStartForm(forms.Form):
    task = forms.ModelChoiceField(queryset=Task.objects.none(), empty_label="Choose a task…")
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, tasks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tasks is not None:
            self.fields["task"].queryset = tasks  # type: ignore[attr-defined]


class EntryForm(forms.Form):
    """A manual entry: a local date and times in the task's workplace zone (or the viewer's)."""

    task = forms.ModelChoiceField(queryset=Task.objects.none(), empty_label="Choose a task…")
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), help_text="Past midnight: the next day.")
    note = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, tasks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tasks is not None:
            self.fields["task"].queryset = tasks  # type: ignore[attr-defined]

    def span(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes in the task's workplace zone (default: the active zone)."""
        data = self.cleaned_data
        task = data["task"]
        tz: zoneinfo.ZoneInfo | Any = (
            zone(task.workplace.time_zone) if task.workplace_id else timezone.get_current_timezone()
        )
        start = datetime.datetime.combine(data["day"], data["start"], tz)
        end_day = data["day"] + datetime.timedelta(days=1) if data["end"] <= data["start"] else data["day"]
        return start, datetime.datetime.combine(end_day, data["end"], tz)


GROUP_CHOICES = [("task", "Task"), ("person", "Person"), ("workplace", "Workplace"), ("day", "Day"),
                 ("week", "Week"), ("month", "Month")]  # fmt: skip


class ReportFilterForm(forms.Form):
    person = forms.ChoiceField(required=False)
    workplace = forms.ChoiceField(required=False)
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(choices=GROUP_CHOICES, required=False, label="Totals by")
    q = forms.CharField(required=False, label="Search", max_length=100)

    def __init__(self, *args: Any, people: Any = (), workplaces: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Everyone"), *((str(u.pk), u.full_name or u.email) for u in people)]  # type: ignore[attr-defined]
        self.fields["workplace"].choices = [("", "Any workplace"), *((w.code, w.name) for w in workplaces)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise forms.ValidationError("The period ends before it starts.", code="invalid_period")
        return data
