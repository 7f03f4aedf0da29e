from typing import Any

from django import forms

from apps.access.models import Role
from apps.inspections.models import InspectionStatus, ItemKind
from apps.workplaces.models import Workplace

STATUSES = [("", "Any status"), ("open", "Due or in progress"), *InspectionStatus.choices]
KIND_TAGS = {"pf": ItemKind.PASS_FAIL, "yn": ItemKind.YES_NO_NA}


class FilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(choices=STATUSES, required=False)
    template = forms.CharField(required=False, label="Template code")
    workplace = forms.CharField(required=False, label="Site code")


class StartForm(forms.Form):
    template = forms.CharField(label="Template code")
    workplace = forms.ModelChoiceField(queryset=Workplace.objects.filter(kind="site", is_active=True),
                                       to_field_name="code", label="Site")  # fmt: skip


class WorkplaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name if obj.kind == "site" else f"{obj.name} (every site in this {obj.get_kind_display().lower()})"


class ScheduleForm(forms.Form):
    template = forms.CharField(label="Template code")
    workplace = WorkplaceChoiceField(queryset=Workplace.objects.filter(is_active=True).order_by("kind", "name"),
                                     to_field_name="code", label="Site, area or region")  # fmt: skip
    role = forms.ModelChoiceField(
        queryset=Role.objects.order_by("name"), required=False, to_field_name="code", empty_label="Anyone",
        label="Offer to a role", help_text="Anyone holding this role at the site may claim each inspection; the first "
        "to claim takes it (each one gets a perform task offered to the role).",
    )  # fmt: skip
    rrule = forms.CharField(label="Repeats (RRULE)", initial="FREQ=WEEKLY;BYDAY=MO;COUNT=52")
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time_of_day = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), initial="09:00")
    creates_task = forms.BooleanField(required=False, label="Also create a task to perform each inspection")


BUILDER_HELP = (
    "One line per section or item. “# Title” starts a section; an item is “kind | question | weight”, kind "
    "pf (pass/fail), yn (yes/no/N/A) or s5 (score 0..5; “s5<3” fails below 3); add “| optional” for an "
    "item that may be left out, and “| task: Title” for the corrective task's title."
)


def builder_parse(text: str) -> list[dict[str, Any]]:
    """The builder's text as `template_publish` sections; a bad line raises forms.ValidationError."""
    sections: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            sections.append({"title": line.lstrip("#").strip(), "items": []})
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 2 or not sections:
            raise forms.ValidationError(f"Line {number}: start with a “# Section”, then “kind | question”.")
        item: dict[str, Any] = {"question": parts[1], "weight": 1}
        tag = parts[0].lower()
        if tag in KIND_TAGS:
            item["kind"] = KIND_TAGS[tag]
        elif tag.startswith("s") and tag[1:].split("<")[0].isdigit():
            top, _, below = tag[1:].partition("<")
            item.update(kind=ItemKind.SCORE, max_score=int(top), fail_below=int(below) if below.isdigit() else None)
        else:
            raise forms.ValidationError(f"Line {number}: the kind is pf, yn or s<N>.")
        for extra in parts[2:]:
            if extra.isdigit():
                item["weight"] = int(extra)
            elif extra.lower() == "optional":
                item["is_required"] = False
            elif extra.lower().startswith("task:"):
                item["corrective_title"] = extra[5:].strip()
        sections[-1]["items"].append(item)
    return sections


def builder_text(sections: list[dict[str, Any]]) -> str:
    """The inverse of `builder_parse`, to edit a published template."""
    lines = []
    tags = {value: key for key, value in KIND_TAGS.items()}
    for section in sections:
        lines.append(f"# {section['title']}")
        for item in section["items"]:
            tag = tags.get(item["kind"]) or f"s{item['max_score']}" + (
                f"<{item['fail_below']}" if item.get("fail_below") is not None else ""
            )
            extra = [str(item["weight"])] + ([] if item["is_required"] else ["optional"])
            extra += [f"task: {item['corrective_title']}"] if item.get("corrective_title") else []
            lines.append(" | ".join([tag, item["question"], *extra]))
    return "\n".join(lines)


class TemplateForm(forms.Form):
    code = forms.RegexField(
        regex=r"^[A-Z0-9][A-Z0-9_-]{0,29}$", label="Code",
        error_messages={"invalid": "Capital letters, digits, hyphens, e.g. STORE-SAFETY."},
    )  # fmt: skip
    name = forms.CharField(max_length=200)
    pass_mark = forms.IntegerField(min_value=0, max_value=100, initial=80, label="Pass mark (%)")
    items = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), help_text=BUILDER_HELP)

    def clean_items(self) -> list[dict[str, Any]]:
        return builder_parse(self.cleaned_data["items"])
