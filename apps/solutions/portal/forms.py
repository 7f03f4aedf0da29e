from typing import Any

from django import forms

from apps.access.models import Role
from apps.accounts.models import Membership, User
from apps.catalogue.models import Solution


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class SolutionGrantForm(forms.Form):
    solution_code = forms.ChoiceField(label="Solution")
    user = UserChoiceField(queryset=User.objects.none(), required=False, label="Person")
    role = forms.ModelChoiceField(queryset=Role.objects.all(), required=False, label="or role",
                                  help_text="Everyone holding this role, or a role below it, gets access.")  # fmt: skip
    reason = forms.CharField(max_length=255, required=False)

    def __init__(self, *args: Any, tenant: Any, solutions: list[Solution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["solution_code"].choices = [(solution.code, solution.name) for solution in solutions]  # type: ignore[attr-defined]
        members = User.objects.filter(memberships__tenant=tenant, memberships__status=Membership.Status.ACTIVE)
        self.fields["user"].queryset = members.order_by("full_name", "email")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if bool(cleaned.get("user")) == bool(cleaned.get("role")):
            raise forms.ValidationError("Choose a person or a role (one of them).", code="one_grantee")
        return cleaned


class SolutionRevokeForm(forms.Form):
    reason = forms.CharField(max_length=255, required=False)
