"""Portal forms of access requests."""

from typing import Any

from django import forms

from apps.access.models import Role
from apps.organisation.models import Entity, path_ids

from ..models import AccessRequestKind, AccessRequestStatus


class EntityChoiceField(forms.ModelChoiceField):
    """Entities indented by their depth in the tree."""

    def label_from_instance(self, obj: Entity) -> str:
        return f"{'— ' * (len(path_ids(obj.path)) - 1)}{obj.name}"


class AccessRequestForm(forms.Form):
    kind = forms.ChoiceField(label="What do you need?", choices=AccessRequestKind.choices, widget=forms.RadioSelect)
    role = forms.ModelChoiceField(label="Role", queryset=Role.objects.none(), required=False)
    entity = EntityChoiceField(
        label="At", queryset=Entity.objects.none(), required=False,
        help_text="The role applies to this entity and everything below it.",
    )  # fmt: skip
    solution_code = forms.ChoiceField(label="Solution", choices=(), required=False)
    reason = forms.CharField(
        label="Why do you need it?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text="Your approvers read this.",
    )  # fmt: skip

    def __init__(self, *args: Any, roles: Any, entities: Any, solutions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles  # type: ignore[attr-defined]
        self.fields["entity"].queryset = entities  # type: ignore[attr-defined]
        self.fields["solution_code"].choices = [("", "—")] + [(s.code, s.name) for s in solutions]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == AccessRequestKind.ROLE:
            for name, message in (("role", "Choose the role you need."), ("entity", "Choose where you need it.")):
                if not data.get(name):
                    self.add_error(name, message)
            data["solution_code"] = ""
        elif data.get("kind") == AccessRequestKind.SOLUTION:
            if not data.get("solution_code"):
                self.add_error("solution_code", "Choose the solution you need.")
            data["role"] = data["entity"] = None
        return data


class FilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *AccessRequestStatus.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Roles and solutions"), *AccessRequestKind.choices], required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)


class ResubmitForm(forms.Form):
    reason = forms.CharField(label="Why do you need it?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
