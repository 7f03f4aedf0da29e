"""Portal forms of incidents. Times are typed in the site's time zone (the incident's local time)."""

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from apps.accounts.models import Membership, User
from apps.incidents.models import MAX_DEADLINE_HOURS, IncidentStatus, IncidentType, PersonRole, Severity
from apps.workplaces.models import Workplace

DATE = forms.DateInput(attrs={"type": "date"})
LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def sites() -> Any:
    return Workplace.objects.filter(kind="site", is_active=True).order_by("name")


def members(tenant: Any) -> Any:
    return User.objects.filter(
        memberships__tenant=tenant, memberships__status=Membership.Status.ACTIVE
    ).order_by("full_name", "email")  # fmt: skip


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name or obj.email)


def local_to_aware(value: datetime.datetime | None, workplace: Any) -> datetime.datetime | None:
    """A wall time typed at the site, in the site's zone (the form's own zone is dropped)."""
    if value is None:
        return None
    try:
        zone = ZoneInfo(workplace.time_zone) if workplace is not None else datetime.UTC
    except (KeyError, ValueError):
        zone = datetime.UTC
    return value.replace(tzinfo=None).replace(tzinfo=zone)


class RegisterFilterForm(forms.Form):
    q = forms.CharField(
        required=False, label="Search", widget=forms.TextInput(attrs={"placeholder": "INC-000042, words"})
    )
    status = forms.ChoiceField(choices=[("", "Any status"), ("open", "Open"), *IncidentStatus.choices], required=False)
    severity = forms.ChoiceField(choices=[("", "Any severity"), *Severity.choices], required=False)
    type = forms.ChoiceField(choices=[("", "Any type"), *IncidentType.choices], required=False)
    workplace = forms.ModelChoiceField(queryset=sites(), to_field_name="code", required=False, empty_label="Any site",
                                       label="Site")  # fmt: skip
    start = forms.DateField(required=False, widget=DATE, label="From")
    end = forms.DateField(required=False, widget=DATE, label="To")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workplace"].queryset = sites()  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"q": data["q"], "status": data["status"], "severity": data["severity"], "type": data["type"],
                "workplace": data["workplace"], "start": data["start"], "end": data["end"]}  # fmt: skip


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input: each is cleaned as a file; the service checks what they are."""

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        one = super().clean
        if isinstance(data, (list, tuple)):
            return [one(item, initial) for item in data if item]
        return [one(data, initial)] if data else []


class ReportForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="In a few words, e.g. “Customer slipped at the entrance”.")
    type = forms.ChoiceField(choices=IncidentType.choices)
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.LOW)
    occurred_at = forms.DateTimeField(widget=LOCAL, label="When", help_text="The site's local time.",
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])  # fmt: skip
    workplace = forms.ModelChoiceField(queryset=sites(), label="Site")
    location_detail = forms.CharField(max_length=300, required=False, label="Where on the site")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="What happened")
    immediate_actions = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                        label="What was done on the spot")  # fmt: skip
    injury = forms.BooleanField(required=False, label="Someone was hurt")
    near_miss = forms.BooleanField(required=False, label="A near miss (nobody was hurt)")
    photos = MultipleFileField(widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf"}), required=False,
                             help_text="Photos or PDFs, 10 MB each.")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workplace"].queryset = sites()  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=IncidentStatus.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class InvestigationForm(forms.Form):
    investigator = MemberChoiceField(queryset=User.objects.none(), required=False)
    findings = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    root_cause = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    completed = forms.BooleanField(required=False, label="The investigation is completed")

    def __init__(self, *args: Any, tenant: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["investigator"].queryset = members(tenant)  # type: ignore[attr-defined]


class PersonForm(forms.Form):
    role = forms.ChoiceField(choices=PersonRole.choices)
    user = MemberChoiceField(queryset=User.objects.none(), required=False, label="Member")
    name = forms.CharField(max_length=200, required=False, help_text="Or the name of someone else.")
    notes = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, tenant: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members(tenant)  # type: ignore[attr-defined]


class ActionForm(forms.Form):
    title = forms.CharField(max_length=200, label="Corrective action")
    assignee = MemberChoiceField(queryset=User.objects.none(), required=False)
    due_at = forms.DateTimeField(widget=LOCAL, required=False, label="Due", help_text="The site's local time.",
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])  # fmt: skip
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, tenant: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members(tenant)  # type: ignore[attr-defined]


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Photo or PDF", widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"})
    )


class RegulatorForm(forms.Form):
    notifiable = forms.BooleanField(required=False, label="Notifiable to a regulator")
    deadline = forms.DateTimeField(widget=LOCAL, required=False, help_text="Empty: from the organisation's rules.",
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])  # fmt: skip
    notified_at = forms.DateTimeField(widget=LOCAL, required=False, label="Regulator told at",
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])  # fmt: skip
    reference = forms.CharField(max_length=100, required=False, label="Regulator's reference")


class SettingsForm(forms.Form):
    warn_hours_before = forms.IntegerField(min_value=0, max_value=2000, label="Warn this many hours before")
    auto_notifiable = forms.BooleanField(
        required=False, label="Flag high and critical injuries, and dangerous occurrences, notifiable when reported"
    )


class DeadlinesForm(forms.Form):
    """One row per incident type: the hours to notify the regulator and, optionally, the rule it follows."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in IncidentType.choices:
            self.fields[f"hours_{kind}"] = forms.IntegerField(
                min_value=1, max_value=MAX_DEADLINE_HOURS, label=label, widget=forms.NumberInput(attrs={"min": 1})
            )
            self.fields[f"rule_{kind}"] = forms.CharField(max_length=200, required=False, label=f"{label}: rule")

    def rows(self) -> list[tuple[str, Any, Any]]:
        """(type label, hours field, rule field) for the table."""
        return [(label, self[f"hours_{kind}"], self[f"rule_{kind}"]) for kind, label in IncidentType.choices]

    def hours(self) -> dict[str, int]:
        return {kind: self.cleaned_data[f"hours_{kind}"] for kind in IncidentType.values}

    def rules(self) -> dict[str, str]:
        return {kind: self.cleaned_data[f"rule_{kind}"] for kind in IncidentType.values}

    @staticmethod
    def initial_from(rows: dict[str, tuple[int, str]]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for kind, (hours, rule) in rows.items():
            initial[f"hours_{kind}"], initial[f"rule_{kind}"] = hours, rule
        return initial
