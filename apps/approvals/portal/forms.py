"""Portal forms of approvals: acting on a request, delegations, and the workflow editor (a workflow form
and a formset of its steps)."""

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from apps.access.models import Role
from apps.accounts.models import Membership, User
from apps.approvals.models import ApproverType, StepRule, TimeoutAction
from apps.organisation.models import Entity

OPERATORS = [("eq", "is"), ("ne", "is not"), ("gt", ">"), ("gte", "≥"), ("lt", "<"), ("lte", "≤"),
             ("in", "is one of (comma-separated)")]  # fmt: skip


def members_of(tenant: Any) -> Any:
    """The tenant's active members as users (choosers of people)."""
    ids = Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("full_name", "email")


def person_label(user: User) -> str:
    return f"{user.full_name} <{user.email}>" if user.full_name else user.email


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


class CommentForm(forms.Form):
    comment = forms.CharField(label="Comment (optional)", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=4000)  # fmt: skip


class ReasonRequiredForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=4000,
                             error_messages={"required": "Give a reason."})  # fmt: skip


class CommentBodyForm(forms.Form):
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 2}), max_length=4000,
                           error_messages={"required": "Write a comment."})  # fmt: skip


class NoteForm(forms.Form):
    note = forms.CharField(label="Note (optional)", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=4000)  # fmt: skip


class UUIDListField(forms.Field):
    """Ticked checkboxes of one name, as uuids."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[uuid.UUID]:
        try:
            return [uuid.UUID(str(item)) for item in value or []]
        except ValueError as error:
            raise ValidationError("Pick the requests from the list.", code="invalid") from error

    def validate(self, value: Any) -> None:
        if not value:
            raise ValidationError("Tick the requests to approve.", code="required")


class BulkApproveForm(forms.Form):
    requests = UUIDListField()  # any uuid: the view keeps those waiting for the caller
    comment = forms.CharField(required=False, max_length=4000)


class DelegationForm(forms.Form):
    delegate = PersonChoiceField(label="Delegate to", queryset=User.objects.none())
    starts_on = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Until (included)", widget=forms.DateInput(attrs={"type": "date"}))
    kinds = forms.MultipleChoiceField(label="Kinds of request", required=False, widget=forms.CheckboxSelectMultiple,
                                      help_text="None ticked: every kind.")  # fmt: skip
    reason = forms.CharField(label="Reason", required=False, max_length=255)

    def __init__(self, *args: Any, tenant: Any, user: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = members_of(tenant).exclude(pk=user.pk)  # type: ignore[attr-defined]
        self.fields["kinds"].choices = kinds  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "A delegation cannot end before it starts.")
        return data


# --- The workflow editor --------------------------------------------------------------------------


class WorkflowForm(forms.Form):
    name = forms.CharField(max_length=150)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label="Active (new requests of this kind use it)", required=False, initial=True)


class StepForm(forms.Form):
    name = forms.CharField(max_length=150)
    approver_type = forms.ChoiceField(label="Approvers", choices=ApproverType.choices)
    manager_levels = forms.IntegerField(label="Levels up", min_value=1, max_value=10, initial=1, required=False)
    role = forms.ModelChoiceField(label="Role", queryset=Role.objects.none(), required=False)
    team = forms.ModelChoiceField(label="Team", queryset=Entity.objects.none(), required=False)
    people = PeopleChoiceField(label="People", queryset=User.objects.none(), required=False)
    rule = forms.ChoiceField(choices=StepRule.choices, initial=StepRule.ANY)
    quorum = forms.IntegerField(min_value=1, required=False)
    condition_field = forms.ChoiceField(label="Only when", required=False, choices=())
    condition_op = forms.ChoiceField(label="", required=False, choices=[("", "—"), *OPERATORS])
    condition_value = forms.CharField(label="", required=False, max_length=200)
    time_limit_hours = forms.IntegerField(label="Time limit (hours)", min_value=1, required=False)
    reminder_hours = forms.IntegerField(label="Remind after (hours)", min_value=1, required=False)
    on_timeout = forms.ChoiceField(label="When time runs out", choices=TimeoutAction.choices,
                                   initial=TimeoutAction.ESCALATE)  # fmt: skip
    fallback_approver = PersonChoiceField(label="Fallback approver", queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, tenant: Any = None, fields: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.kind_fields = dict(fields)
        self.fields["role"].queryset = Role.objects.order_by("path")  # type: ignore[attr-defined]
        self.fields["team"].queryset = Entity.objects.filter(status="active").order_by("path")  # type: ignore[attr-defined]
        people = members_of(tenant) if tenant is not None else User.objects.none()
        self.fields["people"].queryset = people  # type: ignore[attr-defined]
        self.fields["fallback_approver"].queryset = people  # type: ignore[attr-defined]
        self.fields["condition_field"].choices = [("", "always")] + [(n, n) for n, _ in fields]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [bool(data.get(n)) for n in ("condition_field", "condition_op")]
        if any(given) and not all(given):
            raise ValidationError("A condition needs a field and an operator (or neither).")
        return data

    def condition(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("condition_field"):
            return None
        raw = (data.get("condition_value") or "").strip()
        field_type = self.kind_fields.get(data["condition_field"], "str")
        if data["condition_op"] == "in":
            value: Any = [self._typed(part.strip(), field_type) for part in raw.split(",") if part.strip()]
        else:
            value = self._typed(raw, field_type)
        return {"field": data["condition_field"], "op": data["condition_op"], "value": value}

    @staticmethod
    def _typed(raw: str, field_type: str) -> Any:
        if field_type == "bool":
            return raw.lower() in ("true", "yes", "1", "on")
        if field_type == "int":
            try:
                return int(raw)
            except ValueError:
                return raw  # the service names the bad value
        return raw

    def step(self, position: int) -> dict[str, Any]:
        """The step as the approvals services take it (the model's field names)."""
        data = self.cleaned_data
        approver_type = data["approver_type"]
        return {
            "position": position,
            "name": data["name"],
            "approver_type": approver_type,
            "manager_levels": data.get("manager_levels") or 1,
            "role": data.get("role") if approver_type == ApproverType.ROLE else None,
            "team": data.get("team") if approver_type == ApproverType.TEAM else None,
            "people": [u.pk for u in data.get("people") or []] if approver_type == ApproverType.PEOPLE else [],
            "rule": data["rule"],
            "quorum": data.get("quorum") if data["rule"] == StepRule.QUORUM else None,
            "condition": self.condition(),
            "time_limit_hours": data.get("time_limit_hours"),
            "reminder_hours": data.get("reminder_hours"),
            "on_timeout": data.get("on_timeout") or TimeoutAction.ESCALATE,
            "fallback_approver": data.get("fallback_approver"),
        }


def _condition_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def step_initial(definition: Any) -> dict[str, Any]:
    """A saved step definition as the step form's initial data."""
    condition = definition.condition or {}
    value = condition.get("value", "")
    return {
        "name": definition.name, "approver_type": definition.approver_type,
        "manager_levels": definition.manager_levels, "role": definition.role_id, "team": definition.team_id,
        "people": list(definition.people), "rule": definition.rule, "quorum": definition.quorum,
        "condition_field": condition.get("field", ""), "condition_op": condition.get("op", ""),
        "condition_value": _condition_text(value),
        "time_limit_hours": definition.time_limit_hours, "reminder_hours": definition.reminder_hours,
        "on_timeout": definition.on_timeout, "fallback_approver": definition.fallback_approver_id,
    }  # fmt: skip


StepFormSet = forms.formset_factory(StepForm, extra=0, can_delete=True, min_num=0)


class PreviewForm(forms.Form):
    # It sits inside the workflow's form: an HTML `required` here would block "Save workflow", which needs
    # no sample. The preview still asks for one (its view validates it and says so).
    use_required_attribute = False

    requester = PersonChoiceField(label="Sample requester", queryset=User.objects.none())

    def __init__(
        self, *args: Any, tenant: Any, fields: list[tuple[str, str]], sample: dict[str, Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requester"].queryset = members_of(tenant)  # type: ignore[attr-defined]
        self.kind_fields = list(fields)
        for name, field_type in fields:
            initial = sample.get(name)
            self.fields[f"field_{name}"] = forms.CharField(
                label=f"{name} ({field_type})", required=False, initial="" if initial is None else str(initial)
            )

    def field_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field_type in self.kind_fields:
            raw = (self.cleaned_data.get(f"field_{name}") or "").strip()
            values[name] = StepForm._typed(raw, field_type) if raw else None
        return values
