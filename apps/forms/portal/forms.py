"""Django forms of the forms pages: the builder's field editor, template settings, filters, and reading a
filled-in form's answers from a POST (one input per field, by type)."""

import contextlib
import datetime
import zoneinfo
from typing import Any

from django import forms

from apps.access.models import Role
from apps.accounts.models import User
from apps.forms.models import FieldType, FormTemplate, SubmissionStatus
from apps.workplaces.models import Workplace


class TemplateCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TemplateSettingsForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    review_required = forms.BooleanField(required=False, help_text="Submissions are approved or rejected.")
    workplaces = forms.ModelMultipleChoiceField(queryset=Workplace.objects.filter(is_active=True), required=False,
                                                help_text="None: every workplace.")  # fmt: skip
    roles = forms.ModelMultipleChoiceField(queryset=Role.objects.all(), required=False,
                                           help_text="None: everyone with the Reports solution.")  # fmt: skip


class FieldForm(forms.Form):
    """One field of the working copy; the type's settings become its `config`."""

    section = forms.IntegerField(min_value=0, initial=0, widget=forms.HiddenInput)
    original_key = forms.CharField(required=False, widget=forms.HiddenInput)
    key = forms.SlugField(max_length=60, help_text="Lower-case letters, digits and _; stable across versions.")
    label = forms.CharField(max_length=200)
    type = forms.ChoiceField(choices=FieldType.choices)
    required = forms.BooleanField(required=False)
    help_text = forms.CharField(required=False, max_length=300)
    unit = forms.CharField(required=False, max_length=20)
    min = forms.DecimalField(required=False)
    max = forms.DecimalField(required=False)
    options = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Choices: one per line, value|label.")  # fmt: skip
    min_photos = forms.IntegerField(required=False, min_value=0, max_value=20)
    max_photos = forms.IntegerField(required=False, min_value=1, max_value=20)
    scale = forms.IntegerField(required=False, min_value=2, max_value=10, help_text="Rating: 1 to this.")
    formula = forms.CharField(required=False, max_length=500, help_text="Computed: e.g. facings * price.")
    condition_field = forms.CharField(required=False, max_length=60, label="Shown when field",
                                      help_text="The key of an earlier field.")  # fmt: skip
    condition_equals = forms.CharField(required=False, max_length=200, label="equals",
                                       help_text="Empty: shown when that field is filled in.")  # fmt: skip

    def field(self) -> dict[str, Any]:
        data = self.cleaned_data
        config: dict[str, Any] = {}
        kind = data["type"]
        if kind in (FieldType.NUMBER, FieldType.COMPUTED):
            if data.get("unit"):
                config["unit"] = data["unit"]
            for name in ("min", "max"):
                if data.get(name) is not None:
                    value = data[name]
                    config[name] = int(value) if value == value.to_integral_value() else float(value)
        if kind in (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE):
            options = []
            for line in (data.get("options") or "").splitlines():
                value, _, label = line.strip().partition("|")
                if value.strip():
                    options.append({"value": value.strip(), "label": (label or value).strip()})
            config["options"] = options
        if kind == FieldType.PHOTO:
            config["min_photos"] = data.get("min_photos") or 0
            config["max_photos"] = data.get("max_photos") or 5
        if kind == FieldType.RATING:
            config["scale"] = data.get("scale") or 5
        if kind == FieldType.COMPUTED:
            config["formula"] = data.get("formula") or ""
        if data.get("condition_field"):
            equals = data.get("condition_equals") or ""
            config["condition"] = ({"field": data["condition_field"], "equals": equals} if equals
                                   else {"field": data["condition_field"], "filled": True})  # fmt: skip
        return {"key": data["key"], "label": data["label"], "type": kind, "required": data["required"],
                "help_text": data.get("help_text") or "", "config": config}  # fmt: skip

    @classmethod
    def initial_from(cls, field: dict[str, Any], section: int) -> dict[str, Any]:
        config = field.get("config") or {}
        condition = config.get("condition") or {}
        return {
            "section": section, "original_key": field["key"], "key": field["key"], "label": field["label"],
            "type": field["type"], "required": field.get("required"), "help_text": field.get("help_text", ""),
            "unit": config.get("unit", ""), "min": config.get("min"), "max": config.get("max"),
            "options": "\n".join(f"{o['value']}|{o['label']}" for o in config.get("options") or []),
            "min_photos": config.get("min_photos"), "max_photos": config.get("max_photos"),
            "scale": config.get("scale"), "formula": config.get("formula", ""),
            "condition_field": condition.get("field", ""), "condition_equals": condition.get("equals", ""),
        }  # fmt: skip


class SubmissionFilterForm(forms.Form):
    template = forms.ModelChoiceField(queryset=FormTemplate.objects.all(), required=False, empty_label="Any form")
    workplace = forms.ModelChoiceField(queryset=Workplace.objects.filter(kind="site"), required=False,
                                       empty_label="Any site")  # fmt: skip
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=[("", "Any status")] + [c for c in SubmissionStatus.choices if c[0] != "draft"],
                               required=False)  # fmt: skip
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        person = User.objects.filter(pk=data["person"]).first() if data.get("person") else None
        return {"template": data.get("template"), "workplace": data.get("workplace"), "person": person,
                "status": data.get("status") or "", "start": data.get("start"), "end": data.get("end")}  # fmt: skip


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("approved", "Approve"), ("rejected", "Reject")])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Needed to reject.")


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Comment")


def answers_from_post(fields: list[dict[str, Any]], post: Any, time_zone: str = "UTC") -> dict[str, Any]:
    """The answers of a portal fill-in form (inputs named `a.<key>`); the services check them."""
    zone = zoneinfo.ZoneInfo(time_zone or "UTC")
    answers: dict[str, Any] = {}
    for field in fields:
        key, kind, name = field["key"], field["type"], f"a.{field['key']}"
        if kind in (FieldType.PHOTO, FieldType.SIGNATURE, FieldType.COMPUTED):
            continue
        if kind == FieldType.MULTIPLE_CHOICE:
            values = post.getlist(name)
            if values:
                answers[key] = values
            continue
        if kind == FieldType.LOCATION:
            lat, lng = post.get(f"{name}.lat", "").strip(), post.get(f"{name}.lng", "").strip()
            if lat or lng:
                answers[key] = {"lat": lat, "lng": lng}
            continue
        value = (post.get(name) or "").strip()
        if not value:
            continue
        if kind == FieldType.DATETIME:
            with contextlib.suppress(ValueError):  # the service refuses what is not a date and time
                value = datetime.datetime.fromisoformat(value).replace(tzinfo=zone).isoformat()
        answers[key] = value
    return answers
