from django import forms

from apps.accounts.models import Membership

STATUS_CHOICES = [("", "Active and suspended"), *Membership.Status.choices]


class MemberFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(attrs={"placeholder": "Name or email"}))
    role = forms.ChoiceField(required=False, choices=[("", "Any role"), *Membership.Role.choices])
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=255, error_messages={"required": "Give a reason."})
