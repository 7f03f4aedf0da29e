"""Forms of the reports pages. They parse input; the services decide (their refusals land on the fields)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from apps.access.models import Role
from apps.accounts.models import Membership, User
from apps.forms.models import FormTemplate, TemplateStatus
from apps.reporting.datasets import DATASETS, Dataset, dataset_get
from apps.reporting.filters import filters_parse, filters_text
from apps.reporting.models import Delivery, Period, ReportDefinition, ReportFormat
from apps.workplaces.models import Workplace


class DefinitionForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    dataset = forms.ChoiceField(choices=[(d.key, d.label) for d in DATASETS.values()])
    grouping = forms.ChoiceField(label="Group by")
    columns = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, required=False,
                                        help_text="None chosen: the dataset's usual columns.")  # fmt: skip
    period = forms.ChoiceField(choices=Period.choices, initial=Period.LAST_WEEK)
    period_start = forms.DateField(required=False, label="From (fixed period)",
                                   widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    period_end = forms.DateField(
        required=False, label="To (fixed period)", widget=forms.DateInput(attrs={"type": "date"})
    )
    workplaces = forms.ModelMultipleChoiceField(
        queryset=Workplace.objects.none(),
        required=False,
        help_text="None chosen: every workplace. A region includes its sites.",
    )

    form = forms.ModelChoiceField(queryset=FormTemplate.objects.none(), required=False, empty_label="Every form",
                                  help_text="The form reported on; needed to filter on its answers.")  # fmt: skip
    filters = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Filters")

    def __init__(self, *args: Any, dataset: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = dataset_get(self.data.get("dataset") or dataset or self.initial.get("dataset") or "") \
            or next(iter(DATASETS.values()))  # fmt: skip
        fields: Any = self.fields
        if chosen.form_field:
            fields["form"].queryset = FormTemplate.objects.exclude(status=TemplateStatus.DRAFT).order_by("name")
        else:  # other datasets are not form submissions
            del fields["form"]
        fields["filters"].help_text = filters_help(chosen)
        fields["dataset"].initial = chosen.key
        fields["grouping"].choices = [(g.key, g.label) for g in chosen.groupings]
        fields["columns"].choices = [(c.key, c.label) for c in chosen.columns]
        fields["workplaces"].queryset = Workplace.objects.order_by("name")
        fields["dataset"].widget.attrs.update({"hx-get": "", "hx-target": "#definition-form",
                                                   "hx-select": "#definition-form", "hx-swap": "outerHTML",
                                                   "hx-include": "closest form"})  # fmt: skip

    def clean_filters(self) -> list[dict[str, Any]]:
        try:
            return filters_parse(self.cleaned_data.get("filters") or "")
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc

    def definition_fields(self) -> dict[str, Any]:
        """What the services take (a dataset without forms: no form)."""
        data = dict(self.cleaned_data)
        data["workplaces"] = [w.pk for w in data["workplaces"]]
        return {"form": None, "filters": [], **data}

    @staticmethod
    def initial_of(definition: ReportDefinition) -> dict[str, Any]:
        return {"name": definition.name, "description": definition.description, "dataset": definition.dataset,
                "grouping": definition.grouping, "columns": definition.columns, "period": definition.period,
                "period_start": definition.period_start, "period_end": definition.period_end,
                "workplaces": list(definition.workplaces.all()), "form": definition.form_id,
                "filters": filters_text(definition.filters or [])}  # fmt: skip


def filters_help(dataset: Dataset) -> str:
    """What the dataset's filters can name, for the portal's one-a-line syntax."""
    named = "; ".join(f"{d.key} ({d.label.lower()}{': ' + ', '.join(d.choices) if d.choices else ''})"
                      for d in dataset.dimensions)  # fmt: skip
    answers = (
        " With a form, also its fields' keys, e.g. “compliant = no”, “shelf_share >= 40”." if dataset.form_field else ""
    )
    return (f"One a line: a key, an operator (=, in, <, <=, >, >=, contains) and a value, e.g. “status in pending, "
            f"approved”; all must hold. People by email, records by name. Keys: {named}.{answers}")  # fmt: skip


def members(tenant: Any) -> QuerySet[User]:
    return User.objects.filter(memberships__tenant=tenant, memberships__status=Membership.Status.ACTIVE).order_by(
        "full_name", "email"
    )


class PersonChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class ScheduleForm(forms.Form):
    definition = forms.ModelChoiceField(queryset=ReportDefinition.objects.none(), label="Report")
    rrule = forms.CharField(
        max_length=500,
        label="Repeat (RFC 5545 rule)",
        initial="FREQ=WEEKLY;BYDAY=MO",
        help_text="E.g. FREQ=WEEKLY;BYDAY=MO (every Monday), FREQ=MONTHLY;BYMONTHDAY=1, "
        "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR. The time of day is the first run's.",
    )
    starts_at = forms.DateTimeField(label="First run (local time)",
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip
    time_zone = forms.CharField(max_length=64, required=False, help_text="Empty: the organisation's time zone.")
    format = forms.ChoiceField(choices=ReportFormat.choices, initial=ReportFormat.PDF)
    delivery = forms.ChoiceField(choices=Delivery.choices, initial=Delivery.LINK)
    people = PersonChoices(queryset=User.objects.none(), required=False)
    roles = forms.ModelMultipleChoiceField(queryset=Role.objects.order_by("name"), required=False,
                                           help_text="Everyone holding the role when the report is sent.")  # fmt: skip
    external_emails = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="External email addresses",
        help_text="One a line; each confirms by a link before it receives anything.",
    )

    def __init__(self, *args: Any, definitions: QuerySet[ReportDefinition], tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["definition"].queryset = definitions
        fields["people"].queryset = members(tenant)

    def clean_external_emails(self) -> list[str]:
        text = self.cleaned_data.get("external_emails") or ""
        return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


class GenerateForm(forms.Form):
    format = forms.ChoiceField(choices=ReportFormat.choices)
