"""Forms of the task pages."""

from typing import Any

from django import forms

from apps.tasks.models import Evidence, TaskPriority, TaskStatus

STATUS_FILTER = [("", "Open"), ("all", "Any status"), *TaskStatus.choices]


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_FILTER, required=False)
    workplace = forms.CharField(required=False, max_length=40, help_text="Workplace code.")
    q = forms.CharField(required=False, max_length=100, label="Search")


class TaskCreateForm(forms.Form):
    template = forms.CharField(required=False, max_length=30, help_text="A template code, e.g. STORE-VISIT.")
    title = forms.CharField(required=False, max_length=200, help_text="Optional with a template.")
    workplace = forms.CharField(required=False, max_length=40, help_text="Workplace code.")
    due_at = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    assignee = forms.CharField(required=False, max_length=254, help_text="A member's email (empty: you).")
    priority = forms.ChoiceField(choices=TaskPriority.choices, initial=TaskPriority.NORMAL)


def checklist_parse(text: str) -> list[tuple[str, bool]]:
    """One item per line; a line starting with `*` is required."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            items.append((line.lstrip("*").strip(), line.startswith("*")))
    return [(text, required) for text, required in items if text]


class TemplateForm(forms.Form):
    code = forms.CharField(max_length=30, help_text="Capitals, digits, hyphens, e.g. STORE-VISIT (fixed once made).")
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    priority = forms.ChoiceField(choices=TaskPriority.choices, initial=TaskPriority.NORMAL)
    estimated_minutes = forms.IntegerField(required=False, min_value=1, max_value=43200)
    required_evidence = forms.MultipleChoiceField(choices=Evidence.choices, required=False,
                                                  widget=forms.CheckboxSelectMultiple)  # fmt: skip
    checklist = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}),
                                help_text="One item per line; start a line with * to make it required.")  # fmt: skip
    is_active = forms.BooleanField(required=False, initial=True)

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["checklist"] = checklist_parse(data.pop("checklist", ""))
        return data


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000,
                           help_text='Mention with @email or @"Full Name".')  # fmt: skip


class UploadForm(forms.Form):
    file = forms.FileField()
    kind = forms.ChoiceField(choices=[("photo", "Photo"), ("signature", "Signature"), ("file", "File")])


class CheckInForm(forms.Form):
    """The position the browser gave (Geolocation API), checked against the workplace's geofence by the
    same service as the API's check-in."""

    lat = forms.FloatField(min_value=-90, max_value=90)
    lng = forms.FloatField(min_value=-180, max_value=180)
    accuracy_m = forms.FloatField(min_value=0, required=False)
