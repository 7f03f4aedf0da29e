"""Forms of the routines pages. Members are written one a line (a compact form that keeps a routine of
several linked tasks on one screen):

    @STORE-VISIT | 0 | 60            a template by code, starting at the occurrence, due an hour later
    Photo report | 60 | 30 | Front*, Aisles     a title, 60 minutes after, a checklist (* = required)

Links are "1>2, 2>3" (member 1 finishes before member 2 starts).
"""

from typing import Any

from django import forms

from apps.routines.models import MAX_HORIZON_DAYS, RoutineStatus
from apps.routines.services import MemberSpec
from apps.tasks.models import TaskTemplate
from apps.workplaces.models import Workplace

MEMBERS_HELP = (
    "One task a line: a title or @TEMPLATE-CODE | minutes after the occurrence | minutes to finish | "
    "checklist items separated by commas (* marks a required one)."
)


def sites() -> Any:
    return Workplace.objects.filter(kind="site", is_active=True).order_by("name")


class RoutineFilterForm(forms.Form):
    search = forms.CharField(required=False, label="Search")
    workplace = forms.ModelChoiceField(queryset=sites(), required=False, to_field_name="code", label="Site")
    status = forms.ChoiceField(choices=[("", "Any status"), *RoutineStatus.choices], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workplace"].queryset = sites()  # type: ignore[attr-defined]


def parse_members(text: str) -> list[MemberSpec]:
    specs = []
    for number, line in enumerate([row for row in (text or "").splitlines() if row.strip()], start=1):
        parts = [part.strip() for part in line.split("|")]
        what = parts[0]
        try:
            offset = int(parts[1]) if len(parts) > 1 and parts[1] else 0
            due = int(parts[2]) if len(parts) > 2 and parts[2] else 60
        except ValueError:
            raise forms.ValidationError(f"Line {number}: minutes are whole numbers.", code="invalid_member") from None
        items = [i.strip() for i in parts[3].split(",") if i.strip()] if len(parts) > 3 else []
        checklist = [[item.rstrip("*").strip(), item.endswith("*")] for item in items]
        if what.startswith("@"):
            template = TaskTemplate.objects.filter(code=what[1:].upper(), is_active=True).first()
            if template is None:
                raise forms.ValidationError(f"Line {number}: no active template {what[1:]}.", code="invalid_member")
            specs.append(MemberSpec(template=template, offset_minutes=offset, due_minutes=due))
        else:
            specs.append(MemberSpec(title=what, checklist=checklist, offset_minutes=offset, due_minutes=due))
    return specs


def parse_links(text: str) -> list[tuple[int, int]]:
    links = []
    for part in [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]:
        try:
            pred, succ = (int(x) for x in part.split(">"))
        except ValueError:
            raise forms.ValidationError(f"“{part}” is not a link like 1>2.", code="invalid_link") from None
        links.append((pred, succ))
    return links


class RoutineForm(forms.Form):
    name = forms.CharField(max_length=200)
    workplace = forms.ModelChoiceField(queryset=sites(), to_field_name="code", label="Site")
    rrule = forms.CharField(max_length=500, label="Rule", initial="FREQ=WEEKLY;BYDAY=MO;COUNT=52",
                            help_text="RFC 5545, with COUNT or UNTIL, in the site's time zone.")  # fmt: skip
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), initial="09:00")
    horizon_days = forms.IntegerField(min_value=1, max_value=MAX_HORIZON_DAYS, initial=14, label="Days ahead")
    members = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text=MEMBERS_HELP)
    links = forms.CharField(required=False, help_text="e.g. 1>2 (1 finishes before 2 starts).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workplace"].queryset = sites()  # type: ignore[attr-defined]

    def clean_members(self) -> list[MemberSpec]:
        return parse_members(self.cleaned_data["members"])

    def clean_links(self) -> list[tuple[int, int]]:
        return parse_links(self.cleaned_data["links"])


class OccurrenceForm(forms.Form):
    occurrence = forms.CharField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("skip", "Skip"), ("move", "Move / reassign")])
    local_time = forms.DateTimeField(required=False, label="Move to (local)",
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip
    assignee = forms.EmailField(required=False, label="Give to (email)")


class SplitForm(forms.Form):
    occurrence = forms.CharField(label="From occurrence", help_text="Its key in the preview, e.g. 2026-12-07T09:00.")
    name = forms.CharField(max_length=200, required=False)
    start_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}),
                                 label="New time of day")  # fmt: skip
    members = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              help_text="Leave empty to keep the members. " + MEMBERS_HELP)  # fmt: skip
    links = forms.CharField(required=False)

    def clean_members(self) -> list[MemberSpec] | None:
        text = self.cleaned_data["members"]
        return parse_members(text) if text.strip() else None

    def clean_links(self) -> list[tuple[int, int]] | None:
        text = self.cleaned_data["links"]
        return parse_links(text) if text.strip() else None


class MemberRowForm(forms.Form):
    """One member task in the editor: what it is (a title or @TEMPLATE-CODE), its timing and checklist.
    `member` is the id of an existing member (its assignee rule is kept); empty for a new one."""

    member = forms.IntegerField(required=False, widget=forms.HiddenInput)
    what = forms.CharField(max_length=200, required=False, label="Task", help_text="A title or @TEMPLATE-CODE.")
    offset_minutes = forms.IntegerField(initial=0, label="Starts (min after)")
    due_minutes = forms.IntegerField(initial=60, min_value=0, label="Due (min later)")
    checklist = forms.CharField(required=False, label="Checklist", help_text="Comma separated; * = required.")


MemberRowFormSet = forms.formset_factory(MemberRowForm, extra=1, can_delete=True, can_order=True, max_num=20)


class MemberEditForm(forms.Form):
    """What goes with the member rows: from which occurrence the change applies, and the links between
    rows, by the row numbers shown (rows removed take their links with them)."""

    occurrence = forms.ChoiceField(label="From occurrence", help_text="This one and the following ones change.")
    links = forms.CharField(required=False, label="Links", help_text="By row number, e.g. 1>2, 2>3 (1 finishes "
                            "before 2 starts).")  # fmt: skip

    def __init__(self, *args: Any, occurrences: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["occurrence"].choices = occurrences  # type: ignore[attr-defined]

    def clean_links(self) -> list[tuple[int, int]]:
        return parse_links(self.cleaned_data["links"])


def checklist_text(checklist: Any) -> str:
    return ", ".join(f"{text}{'*' if required else ''}" for text, required in (checklist or []))
